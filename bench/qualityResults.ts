/**
 * The results of `bench quality` as plain data, and what is done with them without running
 * anything: naming, thinning curves, the JSON and the per-prompt score files. Kept apart from
 * `quality.ts` so that reports and tests load it without the routers and embedders.
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { BenchmarkName } from "../src/evaluation/Datasets.ts"
import type { CurveMetrics, CurvePoint } from "../src/evaluation/Metrics.ts"
import type { Protocol } from "../src/evaluation/QualityBenchmark.ts"
import { packagePath } from "../src/PackagePaths.ts"
import { makeDirectories } from "../src/core/Directories.ts"

/**
 * A curve point as stored in the results.
 *
 * @since 0.1.0
 */
export interface StoredPoint {
  readonly strongFraction: number
  readonly score: number
}

/**
 * One router (or the oracle) on one benchmark.
 *
 * @since 0.1.0
 */
export interface RouterResult {
  readonly router: string
  readonly embedder: string | null
  readonly protocol: Protocol | "oracle"
  /** Number of seeds the metrics average (random: 10; its curve and scores are seed 0's). */
  readonly seeds: number
  /** RouteLLM's 10-quantile-bin curve and metrics (CPT as `np.interp`). */
  readonly routellm: { readonly metrics: CurveMetrics; readonly curve: ReadonlyArray<StoredPoint> }
  /** The exact curve's metrics (first crossing); its curve thinned to at most 201 points. */
  readonly exact: { readonly metrics: CurveMetrics; readonly curve: ReadonlyArray<StoredPoint> }
  /** Chosen hyper-parameters per fold, for trained routers. */
  readonly hyperParameters?: ReadonlyArray<Readonly<Record<string, number | string>>>
  /** Win rate per evaluated prompt, in `BenchmarkResult.prompts` order. */
  readonly winRates: ReadonlyArray<number>
}

/**
 * One benchmark's results.
 *
 * @since 0.1.0
 */
export interface BenchmarkResult {
  readonly name: BenchmarkName
  readonly strongModel: string
  readonly weakModel: string
  /** Prompts evaluated (both models scored, decontaminated; MT Bench: the first turn). */
  readonly prompts: ReadonlyArray<string>
  readonly removedAsContaminated: number
  readonly strongScore: number
  readonly weakScore: number
  readonly routers: ReadonlyArray<RouterResult>
  /** Embedders not evaluated on this benchmark, with the reason. */
  readonly skipped: ReadonlyArray<{
    readonly router: string
    readonly embedder: string | null
    readonly reason: string
  }>
}

/**
 * Everything `bench quality` measured.
 *
 * @since 0.1.0
 */
export interface QualityResults {
  readonly generatedAt: string
  readonly folds: number
  readonly seed: number
  readonly protocols: Readonly<Record<string, string>>
  readonly embeddingCache: string
  /** Wall time of the run. */
  readonly durationSeconds: number
  /**
   * CPU time (user + system) of the run: this process and its worker processes. On an idle machine
   * the wall time is close to it with one process, and close to it divided by the workers with more.
   */
  readonly cpuSeconds: number
  /** The machine: cores and 1-minute load average at the start and end (other jobs share the cores). */
  readonly machine: {
    readonly cores: number
    readonly loadAverageStart: number
    readonly loadAverageEnd: number
  }
  readonly benchmarks: ReadonlyArray<BenchmarkResult>
}

/**
 * Thins a curve to at most `maxPoints` points (always keeping both ends), dropping thresholds.
 *
 * @since 0.1.0
 */
export const thin = (
  curve: ReadonlyArray<Pick<CurvePoint, "strongFraction" | "score">>,
  maxPoints = Number.POSITIVE_INFINITY
): ReadonlyArray<StoredPoint> => {
  if (curve.length === 0) return []
  const step = curve.length <= maxPoints ? 1 : (curve.length - 1) / (Math.max(2, maxPoints) - 1)
  const picked: Array<StoredPoint> = []
  for (let position = 0; position < curve.length - 0.5; position += step) {
    const point = curve[Math.round(position)]!
    picked.push({ strongFraction: point.strongFraction, score: point.score })
  }
  const last = curve[curve.length - 1]!
  if (picked[picked.length - 1]!.strongFraction !== last.strongFraction || picked.length === 0)
    picked.push({ strongFraction: last.strongFraction, score: last.score })
  return picked
}

/**
 * The name a router result has in tables and score files: `router` or `router-embedder`.
 *
 * @since 0.1.0
 */
export const resultName = (result: Pick<RouterResult, "router" | "embedder">): string =>
  result.embedder === null ? result.router : `${result.router}-${result.embedder}`

/**
 * The embedder `llm-router score --router NAME` uses when none is given: the one the router's
 * shipped weights (`weights/<router>-default.json`) name. Its scores are also written under the bare
 * router name. `undefined` for a router without shipped weights.
 *
 * @since 0.1.0
 */
export const shippedEmbedder = (router: string): string | undefined => {
  const path = packagePath("weights", `${router}-default.json`)
  if (!existsSync(path)) return undefined
  const manifest = JSON.parse(readFileSync(path, "utf8")) as { readonly embedder?: unknown }
  return typeof manifest.embedder === "string" ? manifest.embedder : undefined
}

/**
 * Writes `DIR/<benchmark>/<router>.jsonl`: one `{ prompt, winRate }` line per evaluated prompt, in
 * benchmark order. Trained routers are written once per embedder as `<router>-<embedder>.jsonl`,
 * and as `<router>.jsonl` for the embedder of its shipped weights (what `llm-router score --router
 * <router>` uses).
 *
 * @since 0.1.0
 */
export const writeScores = (dir: string, results: QualityResults): void => {
  for (const benchmark of results.benchmarks) {
    const folder = join(dir, benchmark.name)
    makeDirectories(folder)
    for (const router of benchmark.routers) {
      if (router.protocol === "oracle") continue
      const text =
        benchmark.prompts
          .map((prompt, index) => JSON.stringify({ prompt, winRate: router.winRates[index] }))
          .join("\n") + "\n"
      writeFileSync(join(folder, `${resultName(router)}.jsonl`), text)
      if (router.embedder !== null && router.embedder === shippedEmbedder(router.router))
        writeFileSync(join(folder, `${router.router}.jsonl`), text)
    }
  }
}

/**
 * The results as JSON without the per-prompt lists (those go to `--scores-dir`).
 *
 * @since 0.1.0
 */
export const toJson = (results: QualityResults): unknown => ({
  ...results,
  benchmarks: results.benchmarks.map(({ prompts, routers, ...benchmark }) => ({
    ...benchmark,
    promptCount: prompts.length,
    routers: routers.map(({ winRates: _winRates, ...router }) => ({ name: resultName(router), ...router }))
  }))
})
