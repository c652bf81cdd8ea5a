/**
 * Quality routers: win-rate and per-model quality predictors, their training, calibration and weights.
 *
 * @since 0.1.0
 */
export * from "./WinRateRouter.ts"
export * as Calibration from "./Calibration.ts"
export * as ClassifierRouter from "./ClassifierRouter.ts"
export * as KeywordWinRate from "./KeywordWinRate.ts"
export * as KnnRidgeRouter from "./KnnRidgeRouter.ts"
export * as KnnRidgeTraining from "./KnnRidgeTraining.ts"
export * as KnnRouter from "./KnnRouter.ts"
export * as LinearAlgebra from "./LinearAlgebra.ts"
export * as MatrixFactorizationRouter from "./MatrixFactorizationRouter.ts"
export * as OnnxGraph from "./OnnxGraph.ts"
export * as RandomRouter from "./RandomRouter.ts"
export * as RouteLLMCheckpoint from "./RouteLLMCheckpoint.ts"
export * as RouterRegistry from "./RouterRegistry.ts"
export * as Safetensors from "./Safetensors.ts"
export * as SeededRandom from "./SeededRandom.ts"
export * as Selection from "./Selection.ts"
export * as SimilarityWeightedRouter from "./SimilarityWeightedRouter.ts"
export * as TokenCountWinRate from "./TokenCountWinRate.ts"
export * as Training from "./Training.ts"
export * as Weights from "./Weights.ts"
