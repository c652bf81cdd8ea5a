/**
 * k-nearest-neighbour router: the win rate of a prompt is the (similarity-weighted) share of its
 * `k` most similar labelled examples on which the strong model did better than the weak one.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import * as LinearAlgebra from "./LinearAlgebra.ts"
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
 * Indices of the `take` most similar examples, most similar first; of equal similarities the
 * earlier example ranks first (exactly the first `take` of a stable sort by decreasing similarity).
 * One pass with a heap of the `take` best so far, then a sort of those: O(n + take · log take · log
 * n), so a large `take` costs little. Similarities must be finite.
 *
 * @since 0.1.0
 */
export const nearest = (similarities: ArrayLike<number>, take: number): Int32Array => {
  const size = Math.max(0, Math.min(take, similarities.length))
  // heap[0] is the worst kept: the least similar, the latest among equals.
  const heap = new Int32Array(size)
  const worse = (a: number, b: number) =>
    similarities[a]! < similarities[b]! || (similarities[a]! === similarities[b]! && a > b)
  const siftDown = (start: number) => {
    let position = start
    const moving = heap[position]!
    for (;;) {
      let child = 2 * position + 1
      if (child >= size) break
      if (child + 1 < size && worse(heap[child + 1]!, heap[child]!)) child++
      if (!worse(heap[child]!, moving)) break
      heap[position] = heap[child]!
      position = child
    }
    heap[position] = moving
  }
  for (let row = 0; row < size; row++) heap[row] = row
  for (let position = (size >> 1) - 1; position >= 0; position--) siftDown(position)
  for (let row = size; row < similarities.length; row++) {
    // A later example equal to the worst kept ranks after it: only a strictly more similar one enters.
    if (!(similarities[row]! > similarities[heap[0]!]!)) continue
    heap[0] = row
    siftDown(0)
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0))
}

/**
 * Mean label of the `k` most similar examples, for several `k` at once, from the similarities of one
 * query to every example ({@link nearest} of the largest `k`).
 *
 * @since 0.1.0
 */
export const meanOfNearestLabels = (
  similarities: ArrayLike<number>,
  labels: ArrayLike<number>,
  ks: ReadonlyArray<number>
): Array<number> => {
  const count = labels.length
  if (count === 0) return ks.map(() => 0.5)
  const order = nearest(similarities, Math.max(...ks))
  return ks.map((k) => {
    const used = Math.min(k, order.length)
    let sum = 0
    for (let i = 0; i < used; i++) sum += labels[order[i]!]!
    return sum / used
  })
}

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
  const d = knn.dimension
  const similarities = new Float64Array(count)
  for (let row = 0; row < count; row++) {
    let similarity = 0
    const offset = row * d
    for (let i = 0; i < d; i++) similarity += knn.embeddings[offset + i]! * query[i]!
    similarities[row] = similarity
  }
  return meanOfNearestLabels(similarities, knn.labels, ks)
}

/**
 * {@link predictMany} for many queries at once: the same numbers, with the similarities computed by
 * a blocked product of all queries against all examples (`LinearAlgebra.forEachDotProductRow`),
 * many times faster on large sets.
 *
 * @since 0.1.0
 */
export const predictBatch = (
  knn: KnnIndex,
  queries: ReadonlyArray<ArrayLike<number>>,
  ks: ReadonlyArray<number>
): Array<Array<number>> => {
  const results: Array<Array<number>> = []
  LinearAlgebra.forEachDotProductRow(
    queries,
    Float64Array.from(knn.embeddings),
    knn.labels.length,
    knn.dimension,
    (_, similarities) => results.push(meanOfNearestLabels(similarities, knn.labels, ks))
  )
  return results
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
