/**
 * k-nearest-neighbour router: the win rate of a prompt is the (similarity-weighted) share of its
 * `k` most similar labelled examples on which the strong model did better than the weak one.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import { embedPrompt } from "./RouterSupport.ts"
import * as Weights from "./Weights.ts"
import { RouterError } from "./WinRateRouter.ts"
import type { WinRateRouter } from "./WinRateRouter.ts"

/**
 * Labelled examples: unit-norm embeddings and a label per example in [0, 1] (1 = the strong model
 * was better, 0.5 = tie).
 *
 * @since 0.1.0
 */
export interface KnnIndex {
  readonly dimension: number
  /** count × dimension, row-major, rows L2-normalised. */
  readonly embeddings: Float32Array
  readonly labels: Float32Array
}

/**
 * Builds an index from embeddings and labels.
 *
 * @since 0.1.0
 */
export const index = (
  embeddings: ReadonlyArray<ArrayLike<number>>,
  labels: ReadonlyArray<number>
): KnnIndex => {
  const dimension = embeddings[0]?.length ?? 0
  const matrix = new Float32Array(embeddings.length * dimension)
  embeddings.forEach((vector, row) => {
    let norm = 0
    for (let i = 0; i < dimension; i++) norm += vector[i]! * vector[i]!
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0
    for (let i = 0; i < dimension; i++) matrix[row * dimension + i] = vector[i]! * scale
  })
  return { dimension, embeddings: matrix, labels: Float32Array.from(labels) }
}

/**
 * Label of the strong/weak comparison: 1 if strong scored higher, 0 if lower, 0.5 on a tie.
 *
 * @since 0.1.0
 */
export const pairLabel = (strongScore: number, weakScore: number): number =>
  strongScore > weakScore ? 1 : strongScore < weakScore ? 0 : 0.5

/**
 * Mean label of the `k` nearest examples, for several `k` at once (one pass over the examples).
 *
 * @since 0.1.0
 */
export const predictMany = (
  knn: KnnIndex,
  query: ArrayLike<number>,
  ks: ReadonlyArray<number>
): Array<number> => {
  const count = knn.labels.length
  if (count === 0) return ks.map(() => 0.5)
  const take = Math.min(Math.max(...ks), count)
  const topSimilarity = new Float64Array(take).fill(Number.NEGATIVE_INFINITY)
  const topLabel = new Float64Array(take)
  const d = knn.dimension
  for (let row = 0; row < count; row++) {
    let similarity = 0
    const offset = row * d
    for (let i = 0; i < d; i++) similarity += knn.embeddings[offset + i]! * query[i]!
    if (similarity <= topSimilarity[take - 1]!) continue
    let position = take - 1
    while (position > 0 && topSimilarity[position - 1]! < similarity) {
      topSimilarity[position] = topSimilarity[position - 1]!
      topLabel[position] = topLabel[position - 1]!
      position--
    }
    topSimilarity[position] = similarity
    topLabel[position] = knn.labels[row]!
  }
  return ks.map((k) => {
    const used = Math.min(k, take)
    let sum = 0
    for (let i = 0; i < used; i++) sum += topLabel[i]!
    return sum / used
  })
}

/**
 * Mean label of the `k` nearest examples to a unit-norm query (pure).
 *
 * @since 0.1.0
 */
export const predict = (knn: KnnIndex, query: ArrayLike<number>, k: number): number =>
  predictMany(knn, query, [k])[0]!

/**
 * Builds a kNN win-rate router.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings, Routers } from "effect-llm-router"
 * const { HashingEmbedder } = Embeddings
 * const { KnnRouter } = Routers
 *
 * const embedder = HashingEmbedder.make()
 * const router = KnnRouter.make({ embedder, index: KnnRouter.index(vectors, labels), k: 50 })
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly embedder: EmbedderShape
  readonly index: KnnIndex
  readonly k?: number
  readonly name?: string
}): Effect.Effect<WinRateRouter, RouterError> => {
  const name = options.name ?? "knn"
  const k = options.k ?? 50
  if (options.index.dimension !== options.embedder.dimension) {
    return Effect.fail(
      new RouterError({
        router: name,
        reason: "InvalidWeights",
        message: `kNN index has ${options.index.dimension}-d vectors but embedder ${options.embedder.name} gives ${options.embedder.dimension}-d`
      })
    )
  }
  if (!Number.isInteger(k) || k < 1)
    return Effect.fail(
      new RouterError({
        router: name,
        reason: "InvalidInput",
        message: `k must be a positive integer, got ${k}`
      })
    )
  return Effect.succeed({
    name,
    winRate: (prompt: string) =>
      Effect.map(embedPrompt(name, options.embedder, prompt), (vector) => predict(options.index, vector, k))
  })
}

/**
 * Saves a kNN index as weights (`router: "knn"`, float16 embeddings).
 *
 * @since 0.1.0
 */
export const save = (
  manifestPath: string,
  knn: KnnIndex,
  k: number,
  metadata: Omit<Weights.WeightsManifest, "format" | "tensors" | "file" | "router">
) =>
  Weights.saveWeights(
    manifestPath,
    { ...metadata, router: "knn", hyperParameters: { ...metadata.hyperParameters, k } },
    [
      {
        name: "embeddings",
        shape: [knn.labels.length, knn.dimension],
        data: knn.embeddings,
        dtype: "float16"
      },
      { name: "labels", shape: [knn.labels.length], data: knn.labels }
    ]
  )

/**
 * Reads a kNN index and its `k` from weights.
 *
 * @since 0.1.0
 */
export const fromWeights = Effect.fn("KnnRouter.fromWeights")(function* (weights: Weights.LoadedWeights) {
  if (weights.manifest.router !== "knn") {
    return yield* new Weights.WeightsError({
      path: weights.path,
      reason: "WrongRouter",
      message: `weights ${weights.path} are for router "${weights.manifest.router}", not "knn"`
    })
  }
  const shape = weights.tensors.get("embeddings")?.shape ?? []
  const [count = 0, dimension = 0] = shape
  const embeddings = yield* Weights.tensor(weights, "embeddings", [count, dimension])
  const labels = yield* Weights.tensor(weights, "labels", [count])
  const k = weights.manifest.hyperParameters?.["k"]
  return { index: { dimension, embeddings, labels } satisfies KnnIndex, k: typeof k === "number" ? k : 50 }
})
