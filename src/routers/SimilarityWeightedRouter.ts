/**
 * RouteLLM's similarity-weighted ranking router (`sw_ranking`): every labelled example is a set of
 * battles between models; for a new prompt, each example is weighted by its similarity to the
 * prompt (`10 · 10^(similarity / max similarity)`, as RouteLLM), a Bradley–Terry model is fitted to
 * the weighted battles, and the win rate is `π_strong / (π_strong + π_weak)`.
 *
 * The Bradley–Terry fit uses the minorise–maximise updates (Hunter 2004) on the aggregated
 * pairwise win matrix, so its cost per request is one pass over the battles plus a few iterations
 * over models × models: fast enough per request.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import * as LinearAlgebra from "./LinearAlgebra.ts"
import { embedPrompt, samePairError } from "./RouterSupport.ts"
import * as Weights from "./Weights.ts"
import { RouterError } from "./WinRateRouter.ts"
import type { QualityRouter, WinRateRouter } from "./WinRateRouter.ts"

/**
 * Labelled examples turned into battles.
 *
 * @since 0.1.0
 */
export interface BattleIndex {
  readonly models: ReadonlyArray<string>
  readonly dimension: number
  /** examples × dimension, unit-norm rows. */
  readonly embeddings: Float32Array
  /** Per example, the start of its battles in the battle arrays (length examples + 1). */
  readonly battleStart: Int32Array
  readonly battleA: Int16Array
  readonly battleB: Int16Array
  /** 1 = A won, 0 = B won, 0.5 = tie. */
  readonly battleOutcome: Float32Array
}

/**
 * Builds the battle index from examples with per-model scores: every pair of scored models on an
 * example is a battle won by the higher score (equal scores: a tie).
 *
 * @since 0.1.0
 */
export const index = (
  embeddings: ReadonlyArray<ArrayLike<number>>,
  scores: ReadonlyArray<Readonly<Record<string, number>>>,
  models: ReadonlyArray<string>
): BattleIndex => {
  const dimension = embeddings[0]?.length ?? 0
  const matrix = new Float32Array(embeddings.length * dimension)
  const a: Array<number> = []
  const b: Array<number> = []
  const outcome: Array<number> = []
  const battleStart = new Int32Array(embeddings.length + 1)
  embeddings.forEach((vector, row) => {
    let norm = 0
    for (let i = 0; i < dimension; i++) norm += vector[i]! * vector[i]!
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0
    for (let i = 0; i < dimension; i++) matrix[row * dimension + i] = vector[i]! * scale
    battleStart[row] = a.length
    const rowScores = scores[row] ?? {}
    for (let i = 0; i < models.length; i++) {
      const si = rowScores[models[i]!]
      if (si === undefined) continue
      for (let j = i + 1; j < models.length; j++) {
        const sj = rowScores[models[j]!]
        if (sj === undefined) continue
        a.push(i)
        b.push(j)
        outcome.push(si > sj ? 1 : si < sj ? 0 : 0.5)
      }
    }
  })
  battleStart[embeddings.length] = a.length
  return {
    models,
    dimension,
    embeddings: matrix,
    battleStart,
    battleA: Int16Array.from(a),
    battleB: Int16Array.from(b),
    battleOutcome: Float32Array.from(outcome)
  }
}

/**
 * Fits Bradley–Terry strengths to a weighted win matrix (`wins[i * n + j]` = weight of i beating j).
 * A weak prior (one virtual tie between every pair, scaled by `prior`) keeps strengths finite.
 *
 * @since 0.1.0
 */
export const bradleyTerry = (
  wins: Float64Array,
  n: number,
  options: { readonly iterations?: number; readonly prior?: number } = {}
): Float64Array => {
  const prior = options.prior ?? 0.5
  const strength = new Float64Array(n).fill(1)
  for (let iteration = 0; iteration < (options.iterations ?? 100); iteration++) {
    let change = 0
    for (let i = 0; i < n; i++) {
      let numerator = 0
      let denominator = 0
      for (let j = 0; j < n; j++) {
        if (i === j) continue
        const wij = wins[i * n + j]! + prior / 2
        const wji = wins[j * n + i]! + prior / 2
        numerator += wij
        denominator += (wij + wji) / (strength[i]! + strength[j]!)
      }
      const next = denominator > 0 ? numerator / denominator : strength[i]!
      change = Math.max(change, Math.abs(next - strength[i]!) / strength[i]!)
      strength[i] = next
    }
    let logMean = 0
    for (let i = 0; i < n; i++) logMean += Math.log(strength[i]!) / n
    const scale = Math.exp(-logMean)
    for (let i = 0; i < n; i++) strength[i]! *= scale
    if (change < 1e-7) break
  }
  return strength
}

/**
 * Bradley–Terry strengths of every model (geometric mean 1) from the similarities of one query to
 * every example: each example's battles weighted `10 · 10^(similarity / max similarity)` (pure).
 *
 * @since 0.1.0
 */
export const strengthsFromSimilarities = (
  battles: BattleIndex,
  similarities: ArrayLike<number>
): Float64Array => {
  const examples = battles.battleStart.length - 1
  let maxSimilarity = Number.NEGATIVE_INFINITY
  for (let row = 0; row < examples; row++) {
    if (similarities[row]! > maxSimilarity) maxSimilarity = similarities[row]!
  }
  const n = battles.models.length
  const wins = new Float64Array(n * n)
  const denominator = maxSimilarity > 0 ? maxSimilarity : 1
  for (let row = 0; row < examples; row++) {
    const weight = 10 * 10 ** (similarities[row]! / denominator)
    for (let k = battles.battleStart[row]!; k < battles.battleStart[row + 1]!; k++) {
      const a = battles.battleA[k]!
      const b = battles.battleB[k]!
      const outcome = battles.battleOutcome[k]!
      wins[a * n + b]! += weight * outcome
      wins[b * n + a]! += weight * (1 - outcome)
    }
  }
  const total = wins.reduce((sum, value) => sum + value, 0)
  // Scale the prior with the data so that it stays weak whatever the number of examples.
  return bradleyTerry(wins, n, { prior: total / Math.max(n * n * 20, 1) })
}

/**
 * The similarity-weighted win rate of `strong` over `weak`, from the similarities of one query to
 * every example (pure).
 *
 * @since 0.1.0
 */
export const winRateFromSimilarities = (
  battles: BattleIndex,
  similarities: ArrayLike<number>,
  strong: number,
  weak: number
): number => {
  const strength = strengthsFromSimilarities(battles, similarities)
  return strength[strong]! / (strength[strong]! + strength[weak]!)
}

const similaritiesOf = (battles: BattleIndex, query: ArrayLike<number>) => {
  const examples = battles.battleStart.length - 1
  const d = battles.dimension
  const similarities = new Float64Array(examples)
  for (let row = 0; row < examples; row++) {
    let similarity = 0
    for (let i = 0; i < d; i++) similarity += battles.embeddings[row * d + i]! * query[i]!
    similarities[row] = similarity
  }
  return similarities
}

/**
 * The similarity-weighted win rate of `strong` over `weak` for a unit-norm query (pure).
 *
 * @since 0.1.0
 */
export const winRate = (
  battles: BattleIndex,
  query: ArrayLike<number>,
  strong: number,
  weak: number
): number => winRateFromSimilarities(battles, similaritiesOf(battles, query), strong, weak)

/**
 * Predicted quality of every model for a unit-norm query, on the Bradley–Terry logit scale: the
 * natural log of each model's strength, so `quality(a) − quality(b)` is the logit of P(a beats b)
 * (pure).
 *
 * @since 0.1.0
 */
export const qualities = (battles: BattleIndex, query: ArrayLike<number>): Record<string, number> => {
  const strength = strengthsFromSimilarities(battles, similaritiesOf(battles, query))
  return Object.fromEntries(battles.models.map((model, index) => [model, Math.log(strength[index]!)]))
}

/**
 * {@link winRate} for many queries at once: the same numbers, with the similarities computed by a
 * blocked product of all queries against all examples (`LinearAlgebra.forEachDotProductRow`).
 *
 * @since 0.1.0
 */
export const winRates = (
  battles: BattleIndex,
  queries: ReadonlyArray<ArrayLike<number>>,
  strong: number,
  weak: number
): Array<number> => {
  const results: Array<number> = []
  LinearAlgebra.forEachDotProductRow(
    queries,
    Float64Array.from(battles.embeddings),
    battles.battleStart.length - 1,
    battles.dimension,
    (_, similarities) => results.push(winRateFromSimilarities(battles, similarities, strong, weak))
  )
  return results
}

/**
 * Builds the `sw_ranking` router.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings, Routers } from "effect-llm-router"
 * const { HashingEmbedder } = Embeddings
 * const { SimilarityWeightedRouter } = Routers
 *
 * const router = SimilarityWeightedRouter.make({
 *   embedder: HashingEmbedder.make(),
 *   battles: SimilarityWeightedRouter.index(vectors, scores, models),
 *   strongModel: "gpt-4-1106-preview",
 *   weakModel: "mistralai/Mixtral-8x7B-Instruct-v0.1"
 * })
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly embedder: EmbedderShape
  readonly battles: BattleIndex
  readonly strongModel: string
  readonly weakModel: string
  readonly name?: string
}): Effect.Effect<WinRateRouter & QualityRouter, RouterError> => {
  const name = options.name ?? "sw_ranking"
  const strong = options.battles.models.indexOf(options.strongModel)
  const weak = options.battles.models.indexOf(options.weakModel)
  const samePair = samePairError(name, options.strongModel, options.weakModel)
  if (samePair !== undefined) return Effect.fail(samePair)
  if (strong < 0 || weak < 0) {
    return Effect.fail(
      new RouterError({
        router: name,
        reason: "InvalidInput",
        message: `model "${strong < 0 ? options.strongModel : options.weakModel}" has no battles in the sw_ranking data`
      })
    )
  }
  if (options.battles.dimension !== options.embedder.dimension) {
    return Effect.fail(
      new RouterError({
        router: name,
        reason: "InvalidWeights",
        message: `sw_ranking data has ${options.battles.dimension}-d vectors but embedder ${options.embedder.name} gives ${options.embedder.dimension}-d`
      })
    )
  }
  return Effect.succeed({
    name,
    winRate: (prompt: string) =>
      Effect.map(embedPrompt(name, options.embedder, prompt), (vector) =>
        winRate(options.battles, vector, strong, weak)
      ),
    // N-way selection: every model's strength for this prompt (Bradley–Terry logit scale).
    models: options.battles.models,
    predict: (prompt: string) =>
      Effect.map(embedPrompt(name, options.embedder, prompt), (vector) => qualities(options.battles, vector))
  })
}

/**
 * Saves a battle index as weights (`router: "sw_ranking"`).
 *
 * @since 0.1.0
 */
export const save = (
  manifestPath: string,
  battles: BattleIndex,
  metadata: Omit<Weights.WeightsManifest, "format" | "tensors" | "file" | "router" | "models">
) =>
  Weights.saveWeights(manifestPath, { ...metadata, router: "sw_ranking", models: battles.models }, [
    {
      name: "embeddings",
      shape: [battles.battleStart.length - 1, battles.dimension],
      data: battles.embeddings,
      dtype: "float16"
    },
    { name: "battleStart", shape: [battles.battleStart.length], data: battles.battleStart },
    { name: "battleA", shape: [battles.battleA.length], data: battles.battleA },
    { name: "battleB", shape: [battles.battleB.length], data: battles.battleB },
    { name: "battleOutcome", shape: [battles.battleOutcome.length], data: battles.battleOutcome }
  ])

/**
 * Reads a battle index from weights, checking that battle indices are in range.
 *
 * @since 0.1.0
 */
export const fromWeights = Effect.fn("SimilarityWeightedRouter.fromWeights")(function* (
  weights: Weights.LoadedWeights
) {
  if (weights.manifest.router !== "sw_ranking") {
    return yield* new Weights.WeightsError({
      path: weights.path,
      reason: "WrongRouter",
      message: `weights ${weights.path} are for router "${weights.manifest.router}", not "sw_ranking"`
    })
  }
  const models = weights.manifest.models ?? []
  const [examples = 0, dimension = 0] = weights.tensors.get("embeddings")?.shape ?? []
  const battleCount = weights.tensors.get("battleA")?.shape[0] ?? 0
  const embeddings = yield* Weights.tensor(weights, "embeddings", [examples, dimension])
  const battleStart = Int32Array.from(yield* Weights.tensor(weights, "battleStart", [examples + 1]))
  const battleA = Int16Array.from(yield* Weights.tensor(weights, "battleA", [battleCount]))
  const battleB = Int16Array.from(yield* Weights.tensor(weights, "battleB", [battleCount]))
  const battleOutcome = yield* Weights.tensor(weights, "battleOutcome", [battleCount])
  const outOfRange =
    [...battleA, ...battleB].some((model) => model < 0 || model >= models.length) ||
    battleStart[examples] !== battleCount
  if (outOfRange)
    return yield* new Weights.WeightsError({
      path: weights.path,
      reason: "Corrupt",
      message: `sw_ranking weights ${weights.path}: battle indices do not match the ${models.length} models or ${battleCount} battles`
    })
  return { models, dimension, embeddings, battleStart, battleA, battleB, battleOutcome } satisfies BattleIndex
})
