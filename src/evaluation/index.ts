/**
 * The quality benchmark core: data sets, RouteLLM's metrics, out-of-fold evaluation.
 *
 * @since 0.1.0
 */
export * as CrossValidation from "./CrossValidation.ts"
export * as Datasets from "./Datasets.ts"
export * as EmbeddingStore from "./EmbeddingStore.ts"
export * as JsonLines from "./JsonLines.ts"
export * as Metrics from "./Metrics.ts"
export * as QualityBenchmark from "./QualityBenchmark.ts"
export * as Trainers from "./Trainers.ts"
