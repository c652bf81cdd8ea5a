/**
 * `bench quality`: RouteLLM's evaluation, run by the package's own quality benchmark
 * (`src/evaluation/QualityBenchmark.run`: loaders, metrics, out-of-fold scoring, every router and
 * trainer), reshaped here for the table, the JSON, the per-prompt score files and the plots.
 *
 * The trained routers of each (embedder, benchmark) run in worker processes, one per core
 * (`qualityWorkers.ts`), with the numbers of a one-process run. Embeddings are computed once per
 * (embedder, benchmark) and cached under `.cache/embeddings/`.
 * USE-lite on MMLU (14k prompts, about half an hour on 2 cores) only runs when its cache exists or
 * when asked (`slowEmbeddings`), so that a clean clone finishes in minutes.
 *
 * @since 0.1.0
 */
import { Effect, Fiber } from "effect"
import { existsSync } from "node:fs"
import { availableParallelism, cpus, loadavg } from "node:os"
import { join } from "node:path"
import type { EmbedderShape, EmbeddingError } from "../src/embeddings/Embedder.ts"
import { makeEmbedder } from "../src/embeddings/EmbedderRegistry.ts"
import type { Benchmark, BenchmarkName, DatasetError } from "../src/evaluation/Datasets.ts"
import { defaultDataDir, loadBenchmark } from "../src/evaluation/Datasets.ts"
import { defaultCacheDir } from "../src/evaluation/EmbeddingStore.ts"
import * as QualityBenchmark from "../src/evaluation/QualityBenchmark.ts"
import * as Trainers from "../src/evaluation/Trainers.ts"
import * as RandomRouter from "../src/routers/RandomRouter.ts"
import type { RouterError } from "../src/routers/WinRateRouter.ts"
import type { BenchmarkResult, QualityResults, RouterResult } from "./qualityResults.ts"
import { thin } from "./qualityResults.ts"
import type { QualityUnit, QualityWorkerError } from "./qualityWorkers.ts"
import { runUnits } from "./qualityWorkers.ts"

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
export const EMBEDDERS: ReadonlyArray<string> = ["static", "hashing", "static+hashing", "use-lite"]

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
  /** Processes computing trained routers at once (default: the machine's cores; 1: all in this one). */
  readonly workers?: number
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
 * The units a parallel run is split into: for each embedder, MT Bench with arena (MT Bench trains on
 * arena's embeddings, so one process writes them), and every other benchmark alone.
 *
 * @since 0.1.0
 */
export const planUnits = (
  plan: ReadonlyArray<{ readonly benchmark: BenchmarkName; readonly embedders: ReadonlyArray<string> }>
): Array<{ readonly embedder: string; readonly benchmarks: ReadonlyArray<BenchmarkName> }> => {
  const embedders = [...new Set(plan.flatMap((entry) => entry.embedders))]
  return embedders.flatMap((embedder) => {
    const names = plan.filter((entry) => entry.embedders.includes(embedder)).map((entry) => entry.benchmark)
    const together = names.filter((name) => name === "mt-bench" || name === "arena")
    const alone = names.filter((name) => name !== "mt-bench" && name !== "arena")
    return [
      ...(together.length > 0 ? [{ embedder, benchmarks: together }] : []),
      ...alone.map((name) => ({ embedder, benchmarks: [name] }))
    ]
  })
}

/**
 * Runs the benchmark through `QualityBenchmark`, one benchmark at a time (so that a slow embedder
 * can be left out where it is not cached), and adds the random router's seed-0 win rates (for the
 * score files and the plot; its metrics are the 10-seed average).
 *
 * With `workers` > 1 (default: the machine's cores) the trained routers are computed in that many
 * child processes at once, one (embedder, benchmark) unit each (`qualityWorkers.ts`), while this
 * process scores the heuristics; the results are put back in the order of a sequential run and are
 * identical to it (same data, seeds and folds). `workers: 1` runs everything in this process.
 *
 * @since 0.1.0
 */
export const runQualityBench = (
  options: QualityOptions = {}
): Effect.Effect<QualityResults, DatasetError | EmbeddingError | RouterError | QualityWorkerError> =>
  Effect.gen(function* () {
    const started = Date.now()
    const cpuStart = process.cpuUsage()
    const loadAverageStart = loadavg()[0]!
    const say = options.onProgress ?? (() => {})
    const folds = options.folds ?? 5
    const seed = options.seed ?? 0
    const dataDir = options.dataDir ?? defaultDataDir
    const cacheDir = options.cacheDir ?? defaultCacheDir()
    const trainers = options.trainers ?? Trainers.trainers
    const embedderNames = options.embedders ?? EMBEDDERS
    const embedders: Array<EmbedderShape> = []
    for (const name of embedderNames) {
      say(`loading embedder ${name}`)
      embedders.push(yield* makeEmbedder(name))
    }
    const arena = yield* loadBenchmark("arena", dataDir)
    const benchmarks: Array<{
      readonly benchmark: Benchmark
      readonly usable: ReadonlyArray<EmbedderShape>
      readonly skipped: BenchmarkResult["skipped"]
    }> = []
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
      benchmarks.push({ benchmark, usable, skipped })
    }

    // Trained routers in worker processes, when asked and when the trainers can be named there.
    const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()))
    const portable = trainers.every((trainer) => Trainers.trainers.includes(trainer))
    const nameOf = (embedder: EmbedderShape) => embedderNames[embedders.indexOf(embedder)]!
    const units =
      workers > 1 && portable
        ? planUnits(
            benchmarks.map(({ benchmark, usable }) => ({
              benchmark: benchmark.name,
              embedders: usable.map(nameOf)
            }))
          ).map((unit): QualityUnit => ({
            ...unit,
            trainers: trainers.map((trainer) => trainer.name),
            folds,
            seed,
            dataDir,
            cacheDir
          }))
        : []
    const itemCount = (name: BenchmarkName) =>
      (name === "arena" ? arena : benchmarks.find(({ benchmark }) => benchmark.name === name)?.benchmark)
        ?.items.length ?? 0
    // Longest first: each trainer's cost grows with the square of the prompts (MMLU: about 25 s of
    // CPU per trainer and embedder, times the trainer's `benchCost`); a slow embedder without a cache
    // adds its embedding (USE-lite: ~0.05 s a prompt).
    const cost = (unit: QualityUnit) => {
      const shapeName = embedders[embedderNames.indexOf(unit.embedder)]!.name
      const trainerCost = trainers
        .filter(
          (trainer) => trainer.benchEmbedders === undefined || trainer.benchEmbedders.includes(shapeName)
        )
        .reduce((sum, trainer) => sum + (trainer.benchCost ?? 1), 0)
      return unit.benchmarks.reduce((sum, name) => {
        const count = itemCount(name)
        const slow = SLOW_EMBEDDERS.some((slowName) => unit.embedder.startsWith(slowName))
        const cached = existsSync(join(cacheDir, shapeName, `${name}.json`))
        return sum + count * count * 6e-8 * trainerCost + (slow && !cached ? count * 0.05 : 0)
      }, 0)
    }
    const pool =
      units.length > 0
        ? yield* Effect.fork(
            runUnits(units, { workers: Math.min(workers, units.length), cost, onProgress: say })
          )
        : undefined
    if (pool !== undefined) yield* Effect.yieldNow() // let the workers start before the heuristics

    const reports: Array<{
      readonly report: QualityBenchmark.BenchmarkReport
      readonly skipped: BenchmarkResult["skipped"]
    }> = []
    for (const { benchmark, usable, skipped } of benchmarks) {
      const [report] = yield* QualityBenchmark.run({
        benchmarks: [benchmark],
        arena,
        embedders: pool === undefined ? usable : [],
        trainers,
        k: folds,
        seed,
        cacheDir,
        onProgress: (message) => say(message)
      })
      reports.push({ report: report!, skipped })
    }
    let workerCpuSeconds = 0
    if (pool !== undefined) {
      const outputs = yield* Fiber.join(pool)
      workerCpuSeconds = outputs.reduce((sum, output) => sum + output.cpuSeconds, 0)
      // Back in sequential order: per benchmark, heuristics, then each embedder's trainers.
      reports.forEach(({ report }, position) => {
        const { benchmark, usable } = benchmarks[position]!
        const trained = usable.flatMap((embedder) => {
          const index = units.findIndex(
            (unit) => unit.embedder === nameOf(embedder) && unit.benchmarks.includes(benchmark.name)
          )
          const output = outputs[index]!.benchmarks.find((entry) => entry.benchmark === benchmark.name)!
          return output.results.map((fields) => QualityBenchmark.trainedRouterResult(benchmark, fields))
        })
        reports[position] = {
          ...reports[position]!,
          report: { ...report, results: [...report.results, ...trained] }
        }
      })
    }

    const results: Array<BenchmarkResult> = []
    for (const { report, skipped } of reports) {
      const benchmark = benchmarks.find((entry) => entry.benchmark.name === report.benchmark)!.benchmark
      const random = yield* QualityBenchmark.evaluateRouter(benchmark, RandomRouter.make({ seed: 0 }))
      const oracle = report.oracle
      const prompts = random.prompts.map((prompt) => prompt.prompt)
      results.push({
        name: benchmark.name,
        strongModel: benchmark.strongModel,
        weakModel: benchmark.weakModel,
        prompts,
        removedAsContaminated: benchmark.removedAsContaminated,
        strongScore: report.strongScore,
        weakScore: report.weakScore,
        routers: [
          fromRouterResult(random, {
            seeds: report.random.seeds,
            routellm: { metrics: report.random.routellm, curve: thin(random.evaluation.routellm.curve) },
            exact: { metrics: report.random.exact, curve: thin(random.evaluation.exact.curve, 201) }
          }),
          ...report.results.map((result) => fromRouterResult(result)),
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
    const cpu = process.cpuUsage(cpuStart)
    return {
      generatedAt: new Date().toISOString(),
      folds,
      seed,
      protocols: PROTOCOLS,
      embeddingCache: cacheDir,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e6 + workerCpuSeconds),
      machine: { cores: cpus().length, loadAverageStart, loadAverageEnd: loadavg()[0]! },
      benchmarks: results
    } satisfies QualityResults
  })
