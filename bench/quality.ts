/**
 * `bench quality`: RouteLLM's evaluation, run by the package's own quality benchmark
 * (`src/evaluation/QualityBenchmark.run`: loaders, metrics, out-of-fold scoring, every router and
 * trainer), reshaped here for the table, the JSON, the per-prompt score files and the plots.
 *
 * Embeddings are computed once per (embedder, benchmark) and cached under `.cache/embeddings/`.
 * USE-lite on MMLU (14k prompts, about half an hour on 2 cores) only runs when its cache exists or
 * when asked (`slowEmbeddings`), so that a clean clone finishes in minutes.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join } from "node:path"
import type { EmbedderShape, EmbeddingError } from "../src/embeddings/Embedder.ts"
import { makeEmbedder } from "../src/embeddings/EmbedderRegistry.ts"
import type { BenchmarkName, DatasetError } from "../src/evaluation/Datasets.ts"
import { defaultDataDir, loadBenchmark } from "../src/evaluation/Datasets.ts"
import { defaultCacheDir } from "../src/evaluation/EmbeddingStore.ts"
import * as QualityBenchmark from "../src/evaluation/QualityBenchmark.ts"
import * as Trainers from "../src/evaluation/Trainers.ts"
import * as RandomRouter from "../src/routers/RandomRouter.ts"
import type { RouterError } from "../src/routers/WinRateRouter.ts"
import type { BenchmarkResult, QualityResults, RouterResult } from "./qualityResults.ts"
import { thin } from "./qualityResults.ts"

export * from "./qualityResults.ts"

/**
 * All benchmarks, in run order (MMLU, the longest, last).
 *
 * @since 0.1.0
 */
export const BENCHMARKS: ReadonlyArray<BenchmarkName> = ["mt-bench", "gsm8k", "arena", "mmlu"]

/**
 * Embedders evaluated by default (every offline one the package ships).
 *
 * @since 0.1.0
 */
export const EMBEDDERS: ReadonlyArray<string> = ["static", "hashing", "use-lite"]

/**
 * Embedders too slow to run on a large uncached benchmark by default.
 *
 * @since 0.1.0
 */
export const SLOW_EMBEDDERS: ReadonlyArray<string> = ["use-lite"]

/**
 * How each protocol of `QualityBenchmark` produced its numbers.
 *
 * @since 0.1.0
 */
export const PROTOCOLS: Readonly<Record<string, string>> = {
  none: "no training (heuristics, random): scored on every prompt",
  "k-fold":
    "5-fold out-of-fold within the benchmark (identical prompts in one fold): each prompt scored by a model trained on the other folds",
  "held-out":
    "MT Bench only: trained on all of arena-bench-v1 (14 models' judge scores), scored on MT Bench's first turns, never trained on",
  oracle: "knows both models' scores: the upper bound"
}

/**
 * Options of a run.
 *
 * @since 0.1.0
 */
export interface QualityOptions {
  readonly benchmarks?: ReadonlyArray<BenchmarkName>
  readonly embedders?: ReadonlyArray<string>
  readonly trainers?: ReadonlyArray<Trainers.Trainer>
  readonly folds?: number
  readonly seed?: number
  readonly dataDir?: string
  readonly cacheDir?: string
  /** Embed with slow embedders even when nothing is cached (USE-lite on MMLU: ~30 min). */
  readonly slowEmbeddings?: boolean
  readonly onProgress?: (message: string) => void
}

const fromRouterResult = (
  result: QualityBenchmark.RouterResult,
  overrides: Partial<RouterResult> = {}
): RouterResult => ({
  router: result.router,
  embedder: result.embedder ?? null,
  protocol: result.protocol,
  seeds: 1,
  routellm: { metrics: result.evaluation.routellm.metrics, curve: thin(result.evaluation.routellm.curve) },
  exact: { metrics: result.evaluation.exact.metrics, curve: thin(result.evaluation.exact.curve, 201) },
  ...(result.hyperParameters === undefined ? {} : { hyperParameters: result.hyperParameters }),
  winRates: result.prompts.map((prompt) => prompt.winRate),
  ...overrides
})

/**
 * Runs the benchmark through `QualityBenchmark.run`, one benchmark at a time (so that a slow
 * embedder can be left out where it is not cached), and adds the random router's seed-0 win rates
 * (for the score files and the plot; its metrics are the 10-seed average).
 *
 * @since 0.1.0
 */
export const runQualityBench = (
  options: QualityOptions = {}
): Effect.Effect<QualityResults, DatasetError | EmbeddingError | RouterError> =>
  Effect.gen(function* () {
    const started = Date.now()
    const cpuStart = process.cpuUsage()
    const loadAverageStart = loadavg()[0]!
    const say = options.onProgress ?? (() => {})
    const folds = options.folds ?? 5
    const seed = options.seed ?? 0
    const dataDir = options.dataDir ?? defaultDataDir
    const cacheDir = options.cacheDir ?? defaultCacheDir()
    const embedders: Array<EmbedderShape> = []
    for (const name of options.embedders ?? EMBEDDERS) {
      say(`loading embedder ${name}`)
      embedders.push(yield* makeEmbedder(name))
    }
    const arena = yield* loadBenchmark("arena", dataDir)
    const results: Array<BenchmarkResult> = []
    for (const name of options.benchmarks ?? BENCHMARKS) {
      const benchmark = name === "arena" ? arena : yield* loadBenchmark(name, dataDir)
      const skipped: Array<BenchmarkResult["skipped"][number]> = []
      const usable = embedders.filter((embedder) => {
        const slow =
          SLOW_EMBEDDERS.some((slowName) => embedder.name.startsWith(slowName)) &&
          benchmark.items.length > 2_000
        if (
          !slow ||
          options.slowEmbeddings === true ||
          existsSync(join(cacheDir, embedder.name, `${name}.json`))
        )
          return true
        skipped.push({
          router: "all trained routers",
          embedder: embedder.name,
          reason: `${embedder.name} embeddings of ${name} are not cached (add --slow-embeddings: ~30 min on 2 cores)`
        })
        say(`${name}: skipping ${embedder.name} (embeddings not cached)`)
        return false
      })
      const [report] = yield* QualityBenchmark.run({
        benchmarks: [benchmark],
        arena,
        embedders: usable,
        trainers: options.trainers ?? Trainers.trainers,
        k: folds,
        seed,
        onProgress: (message) => say(message)
      })
      const random = yield* QualityBenchmark.evaluateRouter(benchmark, RandomRouter.make({ seed: 0 }))
      const oracle = report!.oracle
      const prompts = random.prompts.map((prompt) => prompt.prompt)
      results.push({
        name,
        strongModel: benchmark.strongModel,
        weakModel: benchmark.weakModel,
        prompts,
        removedAsContaminated: benchmark.removedAsContaminated,
        strongScore: report!.strongScore,
        weakScore: report!.weakScore,
        routers: [
          fromRouterResult(random, {
            seeds: report!.random.seeds,
            routellm: { metrics: report!.random.routellm, curve: thin(random.evaluation.routellm.curve) },
            exact: { metrics: report!.random.exact, curve: thin(random.evaluation.exact.curve, 201) }
          }),
          ...report!.results.map((result) => fromRouterResult(result)),
          {
            router: "oracle",
            embedder: null,
            protocol: "oracle",
            seeds: 1,
            routellm: { metrics: oracle.metrics, curve: thin(oracle.curve, 201) },
            exact: { metrics: oracle.metrics, curve: thin(oracle.curve, 201) },
            winRates: []
          }
        ],
        skipped
      })
    }
    return {
      generatedAt: new Date().toISOString(),
      folds,
      seed,
      protocols: PROTOCOLS,
      embeddingCache: cacheDir,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      cpuSeconds: Math.round((process.cpuUsage(cpuStart).user + process.cpuUsage(cpuStart).system) / 1e6),
      machine: { cores: cpus().length, loadAverageStart, loadAverageEnd: loadavg()[0]! },
      benchmarks: results
    } satisfies QualityResults
  })
