/**
 * The quality benchmark core: every router on every benchmark, scored honestly, returned as plain
 * data (the bench CLI turns it into tables, JSON, per-prompt files and plots).
 *
 * Protocols: heuristic routers need no training and see every prompt (`none`); trained routers are
 * scored out-of-fold with k-fold cross-validation inside MMLU, GSM8K and arena (`k-fold`, identical
 * prompts kept in one fold); on MT Bench they are trained on all of arena-bench-v1 and never on MT
 * Bench (`held-out`).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import * as KeywordWinRate from "../routers/KeywordWinRate.ts"
import * as RandomRouter from "../routers/RandomRouter.ts"
import * as TokenCountWinRate from "../routers/TokenCountWinRate.ts"
import type { WinRateRouter } from "../routers/WinRateRouter.ts"
import type { RouterError } from "../routers/WinRateRouter.ts"
import { assignFolds } from "./CrossValidation.ts"
import { pairItems } from "./Datasets.ts"
import type { Benchmark, BenchmarkItem } from "./Datasets.ts"
import { embedWithCache } from "./EmbeddingStore.ts"
import { evaluateRouting, oracleCurve } from "./Metrics.ts"
import type { CurveMetrics, RoutingEvaluation, ScoredPrompt } from "./Metrics.ts"
import { modelsOf } from "./Trainers.ts"
import type { Trainer } from "./Trainers.ts"

/**
 * How a router's scores were obtained.
 *
 * @since 0.1.0
 */
export type Protocol = "none" | "k-fold" | "held-out"

/**
 * One router on one benchmark.
 *
 * @since 0.1.0
 */
export interface RouterResult {
  readonly benchmark: Benchmark["name"]
  readonly router: string
  readonly embedder?: string
  readonly protocol: Protocol
  /** Prompts and out-of-fold (or held-out) win rates, in the benchmark's pair-item order. */
  readonly prompts: ReadonlyArray<{ readonly prompt: string; readonly winRate: number }>
  readonly evaluation: RoutingEvaluation
  readonly hyperParameters?: ReadonlyArray<Readonly<Record<string, number | string>>>
}

/**
 * Joins win rates with the pair items' scores.
 *
 * @since 0.1.0
 */
export const scoredPrompts = (
  benchmark: Benchmark,
  items: ReadonlyArray<BenchmarkItem>,
  winRates: ReadonlyArray<number>
): Array<ScoredPrompt> =>
  items.map((item, index) => ({
    winRate: winRates[index]!,
    strongScore: item.scores[benchmark.strongModel]!,
    weakScore: item.scores[benchmark.weakModel]!
  }))

/**
 * Evaluates a fixed (untrained) win-rate router on a benchmark's pair items.
 *
 * @since 0.1.0
 */
export const evaluateRouter = Effect.fn("QualityBenchmark.evaluateRouter")(function* (
  benchmark: Benchmark,
  router: WinRateRouter
) {
  const items = pairItems(benchmark)
  const winRates: Array<number> = []
  for (const item of items) winRates.push(yield* router.winRate(item.prompt))
  return {
    benchmark: benchmark.name,
    router: router.name,
    protocol: "none",
    prompts: items.map((item, index) => ({ prompt: item.prompt, winRate: winRates[index]! })),
    evaluation: evaluateRouting(scoredPrompts(benchmark, items, winRates))
  } satisfies RouterResult
}) as (benchmark: Benchmark, router: WinRateRouter) => Effect.Effect<RouterResult, RouterError>

/**
 * Averages the metrics of several evaluations (the random router over seeds).
 *
 * @since 0.1.0
 */
export const averageMetrics = (metrics: ReadonlyArray<CurveMetrics>): CurveMetrics => {
  const mean = (pick: (m: CurveMetrics) => number) =>
    metrics.reduce((sum, m) => sum + pick(m), 0) / metrics.length
  return {
    cpt20: mean((m) => m.cpt20),
    cpt50: mean((m) => m.cpt50),
    cpt80: mean((m) => m.cpt80),
    auc: mean((m) => m.auc),
    apgr: mean((m) => m.apgr)
  }
}

/**
 * A trained router's result from its win rates on a benchmark's pair items (in pair-item order):
 * the prompts and the evaluation are derived from the benchmark, so win rates computed elsewhere
 * (another process) give exactly the result computed here.
 *
 * @since 0.1.0
 */
export const trainedRouterResult = (
  benchmark: Benchmark,
  fields: {
    readonly router: string
    readonly embedder: string
    readonly protocol: "k-fold" | "held-out"
    readonly winRates: ReadonlyArray<number>
    readonly hyperParameters: ReadonlyArray<Readonly<Record<string, number | string>>>
  }
): RouterResult => {
  const kept = pairItems(benchmark)
  return {
    benchmark: benchmark.name,
    router: fields.router,
    embedder: fields.embedder,
    protocol: fields.protocol,
    prompts: kept.map((item, index) => ({ prompt: item.prompt, winRate: fields.winRates[index]! })),
    evaluation: evaluateRouting(scoredPrompts(benchmark, kept, fields.winRates)),
    hyperParameters: fields.hyperParameters
  }
}

/**
 * Out-of-fold win rates of a trainer within one benchmark (k-fold over its pair items; training
 * uses every item of the training folds, including models other than the routed pair).
 *
 * @since 0.1.0
 */
export const outOfFoldResult = (
  benchmark: Benchmark,
  embeddings: ReadonlyArray<Float32Array>,
  trainer: Trainer,
  options: { readonly k: number; readonly seed: number; readonly embedder: string }
): RouterResult => {
  const items = benchmark.items
  const models = modelsOf(items)
  const folds = assignFolds(
    items.map((item) => item.prompt),
    options.k,
    options.seed
  )
  const winRates = new Array<number>(items.length).fill(Number.NaN)
  const hyperParameters: Array<Readonly<Record<string, number | string>>> = []
  for (let fold = 0; fold < options.k; fold++) {
    const train = items.flatMap((_, index) => (folds[index] === fold ? [] : [index]))
    const test = items.flatMap((_, index) => (folds[index] === fold ? [index] : []))
    if (test.length === 0) continue
    const fitted = trainer.fit({
      embeddings: train.map((index) => embeddings[index]!),
      items: train.map((index) => items[index]!),
      models,
      strongModel: benchmark.strongModel,
      weakModel: benchmark.weakModel,
      seed: options.seed + fold
    })
    hyperParameters.push(fitted.hyperParameters)
    const predicted = fitted.predict(
      test.map((index) => embeddings[index]!),
      test.map((index) => items[index]!.prompt)
    )
    test.forEach((index, position) => {
      winRates[index] = predicted[position]!
    })
  }
  return trainedRouterResult(benchmark, {
    router: trainer.name,
    embedder: options.embedder,
    protocol: "k-fold",
    winRates: items.flatMap((item, index) =>
      item.scores[benchmark.strongModel] !== undefined && item.scores[benchmark.weakModel] !== undefined
        ? [winRates[index]!]
        : []
    ),
    hyperParameters
  })
}

/**
 * Win rates of a trainer fitted on one benchmark (all items) and applied to another.
 *
 * @since 0.1.0
 */
export const heldOutResult = (
  training: { readonly benchmark: Benchmark; readonly embeddings: ReadonlyArray<Float32Array> },
  evaluation: { readonly benchmark: Benchmark; readonly embeddings: ReadonlyArray<Float32Array> },
  trainer: Trainer,
  options: { readonly seed: number; readonly embedder: string }
): RouterResult => {
  const fitted = trainer.fit({
    embeddings: training.embeddings,
    items: training.benchmark.items,
    models: modelsOf(training.benchmark.items),
    strongModel: evaluation.benchmark.strongModel,
    weakModel: evaluation.benchmark.weakModel,
    seed: options.seed
  })
  const { strongModel, weakModel } = evaluation.benchmark
  const keep = evaluation.benchmark.items.flatMap((item, index) =>
    item.scores[strongModel] !== undefined && item.scores[weakModel] !== undefined ? [index] : []
  )
  return trainedRouterResult(evaluation.benchmark, {
    router: trainer.name,
    embedder: options.embedder,
    protocol: "held-out",
    winRates: fitted.predict(
      keep.map((index) => evaluation.embeddings[index]!),
      keep.map((index) => evaluation.benchmark.items[index]!.prompt)
    ),
    hyperParameters: [fitted.hyperParameters]
  })
}

/**
 * The heuristic routers every benchmark reports, and the random router's seeds.
 *
 * @since 0.1.0
 */
export const heuristicRouters = (): ReadonlyArray<WinRateRouter> => [
  TokenCountWinRate.make(),
  KeywordWinRate.make()
]

/**
 * Options of {@link run}.
 *
 * @since 0.1.0
 */
export interface QualityBenchmarkOptions {
  readonly benchmarks: ReadonlyArray<Benchmark>
  /** Training data for the MT Bench (held-out) protocol. */
  readonly arena: Benchmark
  readonly embedders: ReadonlyArray<EmbedderShape>
  readonly trainers: ReadonlyArray<Trainer>
  readonly k?: number
  readonly seed?: number
  readonly randomSeeds?: number
  /** Where data-set embeddings are cached (default `.cache/embeddings`). */
  readonly cacheDir?: string
  readonly onProgress?: (message: string) => void
  /** Called with each trained router's result as soon as it is computed. */
  readonly onResult?: (result: RouterResult) => void
}

/**
 * A benchmark's reference lines and every router's result.
 *
 * @since 0.1.0
 */
export interface BenchmarkReport {
  readonly benchmark: Benchmark["name"]
  readonly prompts: number
  readonly removedAsContaminated: number
  readonly strongScore: number
  readonly weakScore: number
  readonly oracle: RoutingEvaluation["exact"]
  /** Random router: metrics averaged over seeds (RouteLLM curve and exact curve). */
  readonly random: { readonly seeds: number; readonly routellm: CurveMetrics; readonly exact: CurveMetrics }
  readonly results: ReadonlyArray<RouterResult>
}

/**
 * Options of {@link trainedResults}.
 *
 * @since 0.1.0
 */
export interface TrainedResultsOptions {
  /** Training data for the MT Bench (held-out) protocol. */
  readonly arena: Benchmark
  readonly trainers: ReadonlyArray<Trainer>
  readonly k: number
  readonly seed: number
  /** Where data-set embeddings are cached (default `.cache/embeddings`). */
  readonly cacheDir?: string
  readonly onProgress?: (message: string) => void
  /** Called with each trained router's result as soon as it is computed. */
  readonly onResult?: (result: RouterResult) => void
}

/**
 * Every trainer's result on one benchmark with one embedder, in trainer order: out-of-fold within
 * the benchmark, or (MT Bench) trained on arena and held out. Depends only on its arguments, so
 * separate processes can compute the embedders (or benchmarks) of one run side by side.
 *
 * @since 0.1.0
 */
export const trainedResults = Effect.fn("QualityBenchmark.trainedResults")(function* (
  benchmark: Benchmark,
  embedder: EmbedderShape,
  options: TrainedResultsOptions
) {
  const log = options.onProgress ?? (() => undefined)
  const cache = options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }
  log(`${benchmark.name}: embedding with ${embedder.name}`)
  const embeddings = yield* embedWithCache(
    embedder,
    benchmark.name,
    benchmark.items.map((item) => item.prompt),
    cache
  )
  const arenaEmbeddings =
    benchmark.name === "mt-bench"
      ? yield* embedWithCache(
          embedder,
          "arena",
          options.arena.items.map((item) => item.prompt),
          cache
        )
      : []
  const results: Array<RouterResult> = []
  for (const trainer of options.trainers) {
    if (trainer.benchEmbedders !== undefined && !trainer.benchEmbedders.includes(embedder.name)) continue
    log(`${benchmark.name}: ${trainer.name} × ${embedder.name}`)
    const result =
      benchmark.name === "mt-bench"
        ? heldOutResult(
            { benchmark: options.arena, embeddings: arenaEmbeddings },
            { benchmark, embeddings },
            trainer,
            { seed: options.seed, embedder: embedder.name }
          )
        : outOfFoldResult(benchmark, embeddings, trainer, {
            k: options.k,
            seed: options.seed,
            embedder: embedder.name
          })
    options.onResult?.(result)
    results.push(result)
  }
  return results
})

/**
 * Runs the quality benchmark: heuristics, random (averaged over seeds), oracle, and every trainer ×
 * embedder under the protocol of each benchmark. Embeddings are cached on disk (`.cache/embeddings`).
 *
 * @since 0.1.0
 */
export const run = Effect.fn("QualityBenchmark.run")(function* (options: QualityBenchmarkOptions) {
  const k = options.k ?? 5
  const seed = options.seed ?? 0
  const randomSeeds = options.randomSeeds ?? 10
  const log = options.onProgress ?? (() => undefined)
  const reports: Array<BenchmarkReport> = []
  for (const benchmark of options.benchmarks) {
    const items = pairItems(benchmark)
    const base = evaluateRouting(
      scoredPrompts(
        benchmark,
        items,
        items.map(() => 0)
      )
    )
    const oracle = oracleCurve(
      scoredPrompts(
        benchmark,
        items,
        items.map(() => 0)
      )
    )
    const oracleEvaluation = evaluateRouting(
      scoredPrompts(
        benchmark,
        items,
        items.map((item) => item.scores[benchmark.strongModel]! - item.scores[benchmark.weakModel]!)
      )
    )
    const randomRuns: Array<RouterResult> = []
    for (let s = 0; s < randomSeeds; s++)
      randomRuns.push(yield* evaluateRouter(benchmark, RandomRouter.make({ seed: s })))
    const results: Array<RouterResult> = []
    for (const router of heuristicRouters()) results.push(yield* evaluateRouter(benchmark, router))
    for (const embedder of options.embedders) {
      results.push(
        ...(yield* trainedResults(benchmark, embedder, {
          arena: options.arena,
          trainers: options.trainers,
          k,
          seed,
          ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
          onProgress: log,
          ...(options.onResult === undefined ? {} : { onResult: options.onResult })
        }))
      )
    }
    reports.push({
      benchmark: benchmark.name,
      prompts: items.length,
      removedAsContaminated: benchmark.removedAsContaminated,
      strongScore: base.strongScore,
      weakScore: base.weakScore,
      oracle: { curve: oracle, metrics: oracleEvaluation.exact.metrics },
      random: {
        seeds: randomSeeds,
        routellm: averageMetrics(randomRuns.map((r) => r.evaluation.routellm.metrics)),
        exact: averageMetrics(randomRuns.map((r) => r.evaluation.exact.metrics))
      },
      results
    })
  }
  return reports
})
