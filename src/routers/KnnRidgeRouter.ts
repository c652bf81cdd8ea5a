/**
 * A blend of two views of the labelled prompts for one strong/weak pair: a similarity-weighted
 * k-nearest-neighbour average of the score gap (local: "prompts like this one, e.g. the same exam
 * subject, favour the strong model by this much") and a ridge regression of the gap on the
 * embedding (global: a direction in embedding space along which the gap grows). Each part is
 * standardised, mixed with a weight `alpha`, and a logistic calibration turns the mix into a win rate.
 *
 * Every hyper-parameter (k, softmax temperature of the neighbour weights, ridge penalty, alpha) and
 * the calibration come from validation data of the training set only (`KnnRidgeTraining.fit`).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import * as LinearAlgebra from "./LinearAlgebra.ts"
import { embeddingRouter, sigmoid } from "./RouterSupport.ts"
import * as Weights from "./Weights.ts"
import type { RouterError, WinRateRouter } from "./WinRateRouter.ts"

/**
 * The fitted blend.
 *
 * @since 0.1.0
 */
export interface KnnRidgeModel {
  readonly dimension: number
  /** count × dimension, row-major, rows L2-normalised. */
  readonly examples: Float32Array
  /** Score gap (strong − weak) of each example. */
  readonly gaps: Float32Array
  readonly k: number
  /** Neighbour weight `exp((similarity − best similarity) / temperature)`; 0 = plain mean. */
  readonly temperature: number
  /** Ridge: gap ≈ ridgeOffset + ridgeDirection · x. */
  readonly ridgeDirection: Float32Array
  readonly ridgeOffset: number
  /** Weight of the neighbour part in the blend, in [0, 1]. */
  readonly alpha: number
  /** Standardisation of each part: (value − mean) / scale. */
  readonly knnMean: number
  readonly knnScale: number
  readonly ridgeMean: number
  readonly ridgeScale: number
  /** Win rate = σ(calibrationSlope · blend + calibrationIntercept). */
  readonly calibrationSlope: number
  readonly calibrationIntercept: number
}

/**
 * Copies vectors into one row-major array with every row L2-normalised (zero rows stay zero).
 *
 * @since 0.1.0
 */
export const unitRows = (vectors: ReadonlyArray<ArrayLike<number>>, dimension: number): Float32Array => {
  const out = new Float32Array(vectors.length * dimension)
  vectors.forEach((vector, row) => {
    let norm = 0
    for (let i = 0; i < dimension; i++) norm += vector[i]! * vector[i]!
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0
    for (let i = 0; i < dimension; i++) out[row * dimension + i] = vector[i]! * scale
  })
  return out
}

/**
 * Neighbour averages of `gaps` for one query from its similarities to every example, for several
 * `(k, temperature)` settings at once (one pass keeps the `max k` most similar in a sorted list).
 *
 * @since 0.1.0
 */
export const neighbourAverages = (
  similarities: ArrayLike<number>,
  gaps: ArrayLike<number>,
  settings: ReadonlyArray<{ readonly k: number; readonly temperature: number }>
): Array<number> => {
  const count = gaps.length
  if (count === 0) return settings.map(() => 0)
  const take = Math.min(Math.max(...settings.map((setting) => setting.k)), count)
  const topSimilarity = new Float64Array(take).fill(Number.NEGATIVE_INFINITY)
  const topGap = new Float64Array(take)
  for (let row = 0; row < count; row++) {
    const similarity = similarities[row]!
    if (similarity <= topSimilarity[take - 1]!) continue
    let position = take - 1
    while (position > 0 && topSimilarity[position - 1]! < similarity) {
      topSimilarity[position] = topSimilarity[position - 1]!
      topGap[position] = topGap[position - 1]!
      position--
    }
    topSimilarity[position] = similarity
    topGap[position] = gaps[row]!
  }
  return settings.map(({ k, temperature }) => {
    const used = Math.min(k, take)
    let total = 0
    let weights = 0
    for (let index = 0; index < used; index++) {
      const weight = temperature > 0 ? Math.exp((topSimilarity[index]! - topSimilarity[0]!) / temperature) : 1
      total += weight * topGap[index]!
      weights += weight
    }
    return weights > 0 ? total / weights : 0
  })
}

/**
 * Neighbour averages for many queries (blocked dot products against every example).
 *
 * @since 0.1.0
 */
export const neighbourAveragesBatch = (
  examples: Float32Array,
  gaps: ArrayLike<number>,
  dimension: number,
  queries: ReadonlyArray<ArrayLike<number>>,
  settings: ReadonlyArray<{ readonly k: number; readonly temperature: number }>
): Array<Array<number>> => {
  const results: Array<Array<number>> = []
  const unitQueries = queries.map((query) => unitRows([query], dimension))
  LinearAlgebra.forEachDotProductRow(
    unitQueries,
    Float64Array.from(examples),
    gaps.length,
    dimension,
    (_, similarities) => results.push(neighbourAverages(similarities, gaps, settings))
  )
  return results
}

/**
 * The blend of one prompt embedding before calibration.
 *
 * @since 0.1.0
 */
export const blendScore = (model: KnnRidgeModel, embedding: ArrayLike<number>): number => {
  const { dimension: d, examples } = model
  const count = model.gaps.length
  let norm = 0
  for (let i = 0; i < d; i++) norm += embedding[i]! * embedding[i]!
  const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0
  const similarities = LinearAlgebra.dotProductsOfQuery(embedding, examples, count, d)
  for (let row = 0; row < count; row++) similarities[row]! *= inverse
  const knn = neighbourAverages(similarities, model.gaps, [model])[0]!
  let ridge = model.ridgeOffset
  for (let i = 0; i < d; i++) ridge += model.ridgeDirection[i]! * embedding[i]!
  return combine(model, knn, ridge)
}

/**
 * The blend of the two standardised parts.
 *
 * @since 0.1.0
 */
export const combine = (
  model: Pick<KnnRidgeModel, "alpha" | "knnMean" | "knnScale" | "ridgeMean" | "ridgeScale">,
  knn: number,
  ridge: number
) =>
  model.alpha * ((knn - model.knnMean) / model.knnScale) +
  (1 - model.alpha) * ((ridge - model.ridgeMean) / model.ridgeScale)

/**
 * Win rate of one prompt embedding (pure).
 *
 * @since 0.1.0
 */
export const winRate = (model: KnnRidgeModel, embedding: ArrayLike<number>): number =>
  sigmoid(model.calibrationSlope * blendScore(model, embedding) + model.calibrationIntercept)

/**
 * Win rates of many prompt embeddings (blocked neighbour search; same numbers as {@link winRate}
 * up to rounding).
 *
 * @since 0.1.0
 */
export const winRates = (
  model: KnnRidgeModel,
  embeddings: ReadonlyArray<ArrayLike<number>>
): Array<number> => {
  const knn = neighbourAveragesBatch(model.examples, model.gaps, model.dimension, embeddings, [model])
  return embeddings.map((embedding, index) => {
    let ridge = model.ridgeOffset
    for (let i = 0; i < model.dimension; i++) ridge += model.ridgeDirection[i]! * embedding[i]!
    return sigmoid(
      model.calibrationSlope * combine(model, knn[index]![0]!, ridge) + model.calibrationIntercept
    )
  })
}

/**
 * The hyper-parameters of a fitted model, for manifests and reports.
 *
 * @since 0.1.0
 */
export const hyperParameters = (model: KnnRidgeModel): Record<string, number> => ({
  k: model.k,
  temperature: model.temperature,
  alpha: model.alpha
})

/**
 * Builds the router from a fitted model and the embedder it was trained with. Fails with
 * `RouterError` (`InvalidWeights`) when the embedder's dimension differs from the model's.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings, Routers } from "effect-llm-router"
 * const { HashingEmbedder } = Embeddings
 * const { KnnRidgeRouter, KnnRidgeTraining } = Routers
 *
 * const model = KnnRidgeTraining.fit(examples, { seed: 0 }) // examples: { embedding, gap, group }
 * const router = KnnRidgeRouter.make({ model, embedder: HashingEmbedder.make() })
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly model: KnnRidgeModel
  readonly embedder: EmbedderShape
  readonly name?: string
}): Effect.Effect<WinRateRouter, RouterError> =>
  embeddingRouter({
    name: options.name ?? "knn_ridge",
    embedder: options.embedder,
    dimension: options.model.dimension,
    winRate: (embedding) => winRate(options.model, embedding)
  })

const SCALARS = [
  "k",
  "temperature",
  "ridgeOffset",
  "alpha",
  "knnMean",
  "knnScale",
  "ridgeMean",
  "ridgeScale",
  "calibrationSlope",
  "calibrationIntercept"
] as const

/**
 * Saves a model as weights (`router: "knn_ridge"`; examples as float16, scalars in `extra`).
 *
 * @since 0.1.0
 */
export const save = (
  manifestPath: string,
  model: KnnRidgeModel,
  metadata: Omit<Weights.WeightsManifest, "format" | "tensors" | "file" | "router">
) =>
  Weights.saveWeights(
    manifestPath,
    {
      ...metadata,
      router: "knn_ridge",
      hyperParameters: { ...metadata.hyperParameters, ...hyperParameters(model) },
      extra: { ...metadata.extra, ...Object.fromEntries(SCALARS.map((key) => [key, model[key]])) }
    },
    [
      {
        name: "examples",
        shape: [model.gaps.length, model.dimension],
        data: model.examples,
        dtype: "float16"
      },
      { name: "gaps", shape: [model.gaps.length], data: model.gaps },
      { name: "ridgeDirection", shape: [model.dimension], data: model.ridgeDirection }
    ]
  )

/**
 * Reads a model from loaded weights, checking every tensor's shape and every scalar.
 *
 * @since 0.1.0
 */
export const fromWeights = Effect.fn("KnnRidgeRouter.fromWeights")(function* (
  weights: Weights.LoadedWeights
) {
  const { manifest } = weights
  if (manifest.router !== "knn_ridge") {
    return yield* new Weights.WeightsError({
      path: weights.path,
      reason: "WrongRouter",
      message: `weights ${weights.path} are for router "${manifest.router}", not "knn_ridge"`
    })
  }
  const [count = 0, dimension = 0] = weights.tensors.get("examples")?.shape ?? []
  const examples = yield* Weights.tensor(weights, "examples", [count, dimension])
  const gaps = yield* Weights.tensor(weights, "gaps", [count])
  const ridgeDirection = yield* Weights.tensor(weights, "ridgeDirection", [dimension])
  const scalars: Record<string, number> = {}
  for (const key of SCALARS) {
    const value = manifest.extra?.[key]
    if (typeof value !== "number" || !Number.isFinite(value))
      return yield* new Weights.WeightsError({
        path: weights.path,
        reason: "InvalidManifest",
        message: `knn_ridge weights ${weights.path}: extra.${key} must be a finite number`
      })
    scalars[key] = value
  }
  return {
    dimension,
    examples,
    gaps,
    ridgeDirection,
    k: scalars["k"]!,
    temperature: scalars["temperature"]!,
    ridgeOffset: scalars["ridgeOffset"]!,
    alpha: scalars["alpha"]!,
    knnMean: scalars["knnMean"]!,
    knnScale: scalars["knnScale"]!,
    ridgeMean: scalars["ridgeMean"]!,
    ridgeScale: scalars["ridgeScale"]!,
    calibrationSlope: scalars["calibrationSlope"]!,
    calibrationIntercept: scalars["calibrationIntercept"]!
  } satisfies KnnRidgeModel
})
