/**
 * A stacked router for one strong/weak pair. Level 1 reads the labelled prompts nearest to the
 * request: similarity-weighted neighbour means and ridge regressions on the embedding of the strong
 * score, the weak score and their gap (six inputs), plus, when the training prompts carry a group
 * (an MMLU subject), a soft vote over the groups of the 80 nearest. Level 2 is a pair of logistic
 * regressions on those inputs, the prompt's text features (`PromptFeatures`) and their products with
 * the two neighbour logits: P(strong right, weak wrong) − P(weak right, strong wrong). A 1-d
 * least-squares fit maps that score to the expected score gap, and the win rate is
 * `σ(expected gap / winRateScale)` with `winRateScale` a quarter of the training score range, so 0.5
 * means "no expected gain" and the map is the same for every model trained on one score scale.
 *
 * Every choice (neighbour counts and temperatures, ridge penalties, the level-2 candidate and its
 * penalty) comes from inner cross-validation of the training set (`KnnLogisticTraining.fit`). The
 * neighbour search is in `KnnLogisticNeighbours`, saving and loading in `KnnLogisticWeights`.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import { GROUP_NEIGHBOURS, groupPosterior, nearest, neighbourMeans } from "./KnnLogisticNeighbours.ts"
import type { NeighbourSetting } from "./KnnLogisticNeighbours.ts"
import * as LinearAlgebra from "./LinearAlgebra.ts"
import { logisticProbability } from "./LogisticRegression.ts"
import * as PromptFeatures from "./PromptFeatures.ts"
import { embeddingRouter, sigmoid } from "./RouterSupport.ts"
import * as SoftmaxMlp from "./SoftmaxMlp.ts"
import type { MlpParameters } from "./SoftmaxMlp.ts"
import type { RouterError, WinRateRouter } from "./WinRateRouter.ts"

/**
 * A ridge regression on the unit-normalised embedding: `offset + direction · x`.
 *
 * @since 0.1.0
 */
export interface RidgePart {
  readonly direction: Float32Array
  readonly offset: number
}

/**
 * `(value − mean) / scale`.
 *
 * @since 0.1.0
 */
export interface Standardisation {
  readonly mean: number
  readonly scale: number
}

/**
 * A level-2 pair of logistic regressions (weights then bias, over the design of {@link design}):
 * P(only the strong model right) and P(only the weak model right).
 *
 * @since 0.1.0
 */
export interface LogisticHead {
  readonly kind: "L" | "LS"
  readonly l2: number
  readonly strongWins: Float64Array
  readonly weakWins: Float64Array
}

/**
 * A level-2 bag of 3-class MLPs (`SoftmaxMlp`) over {@link mlpInput}, averaged:
 * P(only strong right) − P(only weak right).
 *
 * @since 0.1.0
 */
export interface MlpHead {
  readonly kind: "M"
  readonly hidden: number
  readonly l2: number
  readonly epochs: number
  readonly networks: ReadonlyArray<MlpParameters>
}

/**
 * The level-2 model: logistic regressions, MLPs, their ensemble (the sum of both scores, each
 * standardised by its inner out-of-fold mean and spread), or the knn_ridge-style blend
 * `alpha · z(kNN gap) + (1 − alpha) · z(ridge gap)`.
 *
 * @since 0.1.0
 */
export type Head =
  | LogisticHead
  | MlpHead
  | {
      readonly kind: "E"
      readonly logistic: LogisticHead
      readonly mlp: MlpHead
      readonly logisticScale: Standardisation
      readonly mlpScale: Standardisation
    }
  | { readonly kind: "base"; readonly alpha: number }

/**
 * The fitted router.
 *
 * @since 0.1.0
 */
export interface KnnLogisticModel {
  readonly dimension: number
  /** count × dimension, row-major, rows L2-normalised (and rounded to float16, as saved). */
  readonly examples: Float32Array
  /** Strong and weak scores rescaled to [0, 1] by the training range; gap = raw strong − weak. */
  readonly strongScores: Float32Array
  readonly weakScores: Float32Array
  readonly gaps: Float32Array
  /** Group index of each example (into `groupNames`); no groups: no subject posterior. */
  readonly groups: Int32Array
  readonly groupNames: ReadonlyArray<string>
  readonly scoreLow: number
  readonly scoreHigh: number
  readonly knnStrong: NeighbourSetting
  readonly knnWeak: NeighbourSetting
  readonly knnGap: NeighbourSetting
  readonly ridgeStrong: RidgePart
  readonly ridgeWeak: RidgePart
  readonly ridgeGap: RidgePart
  readonly ridgeStrongScale: Standardisation
  readonly ridgeWeakScale: Standardisation
  readonly knnGapScale: Standardisation
  readonly ridgeGapScale: Standardisation
  /** Text features kept (non-constant on the training prompts) and their standardisation. */
  readonly featureColumns: ReadonlyArray<number>
  readonly featureMeans: ReadonlyArray<number>
  readonly featureScales: ReadonlyArray<number>
  readonly frequency: PromptFeatures.DocumentFrequency
  readonly head: Head
  /** Expected gap = calibrationIntercept + calibrationSlope · level-2 score. */
  readonly calibrationSlope: number
  readonly calibrationIntercept: number
  /** Win rate = σ(expected gap / winRateScale). */
  readonly winRateScale: number
}

/**
 * `log(p / (1 − p))` with `p` clipped to [1e-3, 1 − 1e-3].
 *
 * @since 0.1.0
 */
export const clippedLogit = (p: number): number => {
  const clipped = Math.min(Math.max(p, 1e-3), 1 - 1e-3)
  return Math.log(clipped / (1 - clipped))
}

const standardise = (value: number, { mean, scale }: Standardisation) => (value - mean) / scale

/**
 * The level-2 design row: the six level-1 inputs `b`, the standardised text features `f`, their
 * products with `b[0]` and `b[1]`, then (for `LS`) the group posterior.
 *
 * @since 0.1.0
 */
export const design = (
  b: ArrayLike<number>,
  f: ArrayLike<number>,
  posterior?: ArrayLike<number>
): Float64Array => {
  const m = f.length
  const out = new Float64Array(6 + 3 * m + (posterior?.length ?? 0))
  for (let i = 0; i < 6; i++) out[i] = b[i]!
  for (let i = 0; i < m; i++) {
    out[6 + i] = f[i]!
    out[6 + m + i] = f[i]! * b[0]!
    out[6 + 2 * m + i] = f[i]! * b[1]!
  }
  if (posterior !== undefined) for (let g = 0; g < posterior.length; g++) out[6 + 3 * m + g] = posterior[g]!
  return out
}

/**
 * The MLP's input row: the six level-1 inputs `b`, then the standardised text features `f`.
 *
 * @since 0.1.0
 */
export const mlpInput = (b: ArrayLike<number>, f: ArrayLike<number>): Float64Array => {
  const out = new Float64Array(6 + f.length)
  for (let i = 0; i < 6; i++) out[i] = b[i]!
  for (let i = 0; i < f.length; i++) out[6 + i] = f[i]!
  return out
}

/**
 * The level-2 score of a non-blend head from the level-1 inputs, the text features and (for `LS`)
 * the group posterior.
 *
 * @since 0.1.0
 */
export const headScore = (
  head: Exclude<Head, { readonly kind: "base" }>,
  b: ArrayLike<number>,
  f: ArrayLike<number>,
  posterior: ArrayLike<number> | undefined
): number => {
  switch (head.kind) {
    case "L":
    case "LS": {
      const row = design(b, f, head.kind === "LS" ? posterior : undefined)
      return logisticProbability(head.strongWins, row) - logisticProbability(head.weakWins, row)
    }
    case "M":
      return SoftmaxMlp.margin(head.networks, mlpInput(b, f))
    case "E":
      return (
        standardise(headScore(head.logistic, b, f, posterior), head.logisticScale) +
        standardise(headScore(head.mlp, b, f, posterior), head.mlpScale)
      )
  }
}

/**
 * `σ(bias + weights · row)` with the bias last in `weights`.
/**
 * The standardised text features of a prompt (kept columns only).
 *
 * @since 0.1.0
 */
export const textFeatures = (
  model: Pick<KnnLogisticModel, "featureColumns" | "featureMeans" | "featureScales" | "frequency">,
  prompt: string
): Array<number> => {
  const all = PromptFeatures.features(prompt, model.frequency)
  return model.featureColumns.map(
    (column, index) => (all[column]! - model.featureMeans[index]!) / model.featureScales[index]!
  )
}

const ridgeValue = (part: RidgePart, unit: ArrayLike<number>) =>
  part.offset + LinearAlgebra.dot(part.direction, unit)

/**
 * The expected score gap (strong − weak) of one prompt from its similarities to every example and
 * its unit-normalised embedding.
 *
 * @since 0.1.0
 */
export const expectedGap = (
  model: KnnLogisticModel,
  similarities: ArrayLike<number>,
  unit: ArrayLike<number>,
  prompt: string
): number => {
  const take = Math.max(model.knnStrong.k, model.knnWeak.k, model.knnGap.k, GROUP_NEIGHBOURS)
  const top = nearest(similarities, Math.min(take, model.gaps.length))
  const strong = neighbourMeans(top, [model.strongScores], [model.knnStrong])[0]![0]!
  const weak = neighbourMeans(top, [model.weakScores], [model.knnWeak])[0]![0]!
  const gap = neighbourMeans(top, [model.gaps], [model.knnGap])[0]![0]!
  const knnGapZ = standardise(gap, model.knnGapScale)
  const ridgeGapZ = standardise(ridgeValue(model.ridgeGap, unit), model.ridgeGapScale)
  const { head } = model
  let score: number
  if (head.kind === "base") {
    score = head.alpha * knnGapZ + (1 - head.alpha) * ridgeGapZ
  } else {
    const b = [
      clippedLogit(strong),
      clippedLogit(weak),
      standardise(ridgeValue(model.ridgeStrong, unit), model.ridgeStrongScale),
      standardise(ridgeValue(model.ridgeWeak, unit), model.ridgeWeakScale),
      knnGapZ,
      ridgeGapZ
    ]
    const needsPosterior = head.kind === "LS" || (head.kind === "E" && head.logistic.kind === "LS")
    const posterior = needsPosterior ? groupPosterior(top, model.groups, model.groupNames.length) : undefined
    score = headScore(head, b, textFeatures(model, prompt), posterior)
  }
  return model.calibrationIntercept + model.calibrationSlope * score
}

const unitVector = (embedding: ArrayLike<number>, dimension: number) => {
  let norm = 0
  for (let i = 0; i < dimension; i++) norm += embedding[i]! * embedding[i]!
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0
  return Float64Array.from({ length: dimension }, (_, i) => embedding[i]! * scale)
}

/**
 * Win rates of many prompts (embeddings and texts, in the same order): blocked similarity search
 * against every example, then {@link expectedGap} mapped by `σ(gap / winRateScale)`.
 *
 * @since 0.1.0
 */
export const winRates = (
  model: KnnLogisticModel,
  embeddings: ReadonlyArray<ArrayLike<number>>,
  prompts: ReadonlyArray<string>
): Array<number> => {
  const units = embeddings.map((embedding) => unitVector(embedding, model.dimension))
  const out = new Array<number>(units.length)
  LinearAlgebra.forEachDotProductRow(
    units,
    Float64Array.from(model.examples),
    model.gaps.length,
    model.dimension,
    (query, similarities) => {
      out[query] = sigmoid(
        expectedGap(model, similarities, units[query]!, prompts[query]!) / model.winRateScale
      )
    }
  )
  return out
}

/**
 * Win rate of one prompt (pure).
 *
 * @since 0.1.0
 */
export const winRate = (model: KnnLogisticModel, embedding: ArrayLike<number>, prompt: string): number => {
  const unit = unitVector(embedding, model.dimension)
  const similarities = LinearAlgebra.dotProductsOfQuery(
    unit,
    model.examples,
    model.gaps.length,
    model.dimension
  )
  return sigmoid(expectedGap(model, similarities, unit, prompt) / model.winRateScale)
}

const mlpParameters = (head: MlpHead) => ({
  mlpHidden: head.hidden,
  mlpL2: head.l2,
  mlpEpochs: head.epochs,
  mlpNetworks: head.networks.length
})

const headParameters = (head: Head): Record<string, number | string> => {
  switch (head.kind) {
    case "base":
      return { alpha: head.alpha }
    case "L":
    case "LS":
      return { l2: head.l2 }
    case "M":
      return mlpParameters(head)
    case "E":
      return { logistic: head.logistic.kind, l2: head.logistic.l2, ...mlpParameters(head.mlp) }
  }
}

/**
 * The hyper-parameters of a fitted model, for manifests and reports.
 *
 * @since 0.1.0
 */
export const hyperParameters = (model: KnnLogisticModel): Record<string, number | string> => ({
  head: model.head.kind,
  ...headParameters(model.head),
  knnStrong: `${model.knnStrong.k}/${model.knnStrong.temperature}`,
  knnWeak: `${model.knnWeak.k}/${model.knnWeak.temperature}`,
  knnGap: `${model.knnGap.k}/${model.knnGap.temperature}`,
  features: model.featureColumns.length,
  groups: model.groupNames.length
})

/**
 * Builds the router from a fitted model and the embedder it was trained with. Fails with
 * `RouterError` (`InvalidWeights`) when the embedder's dimension differs from the model's.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings, Routers } from "effect-llm-router"
 * const { HashingEmbedder } = Embeddings
 * const { KnnLogisticRouter, KnnLogisticTraining } = Routers
 *
 * // examples: { embedding, prompt, strongScore, weakScore, group? }
 * const model = KnnLogisticTraining.fit(examples)
 * const router = KnnLogisticRouter.make({ model, embedder: HashingEmbedder.make() })
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly model: KnnLogisticModel
  readonly embedder: EmbedderShape
  readonly name?: string
}): Effect.Effect<WinRateRouter, RouterError> =>
  embeddingRouter({
    name: options.name ?? "knn_logistic",
    embedder: options.embedder,
    dimension: options.model.dimension,
    winRate: (embedding, prompt) => winRate(options.model, embedding, prompt)
  })
