/**
 * `llm-router bench quality [--json FILE] [--scores-dir DIR] [--html FILE] [--plots-dir DIR]`:
 * RouteLLM's routing evaluation of every router (bench/quality.ts), printed as a table.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import type { BenchmarkName } from "../../evaluation/Datasets.ts"
import { BENCHMARKS, EMBEDDERS, runQualityBench, toJson, writeScores } from "../../../bench/quality.ts"
import type { QualityResults } from "../../../bench/quality.ts"
import { curveSpec, htmlReport, renderSvg } from "../../../bench/report.ts"
import { qualityTableText } from "../../../bench/tables.ts"
import { makeDirectories } from "../../core/Directories.ts"
import { ConfigError } from "../../core/Errors.ts"
import { integer } from "../options.ts"

const json = Options.file("json").pipe(
  Options.withDescription("Write every figure (metrics and curves) as JSON to this file"),
  Options.optional
)
const scoresDir = Options.directory("scores-dir").pipe(
  Options.withDescription(
    "Write DIR/<benchmark>/<router>.jsonl: one { prompt, winRate } line per prompt (out-of-fold)"
  ),
  Options.optional
)
const html = Options.file("html").pipe(
  Options.withDescription("Write a self-contained HTML report (vega-lite charts as inline SVG)"),
  Options.optional
)
const plotsDir = Options.directory("plots-dir").pipe(
  Options.withDescription("Write quality-<benchmark>.svg plots here (default: next to --html, if given)"),
  Options.optional
)
const embedders = Options.text("embedders").pipe(
  Options.withDescription("Comma-separated embedders"),
  Options.withDefault(EMBEDDERS.join(","))
)
const benchmarks = Options.text("benchmarks").pipe(
  Options.withDescription("Comma-separated benchmarks among mt-bench, mmlu, gsm8k, arena"),
  Options.withDefault(BENCHMARKS.join(","))
)
const folds = integer("folds", { min: 2 }).pipe(
  Options.withDescription("Folds of the out-of-fold evaluation"),
  Options.withDefault(5)
)
const slowEmbeddings = Options.boolean("slow-embeddings").pipe(
  Options.withDescription(
    "Also embed large benchmarks with slow embedders when not cached (USE-lite on MMLU: ~30 min on 2 cores)"
  )
)

const workers = integer("workers", { min: 1 }).pipe(
  Options.withDescription(
    "Processes computing the trained routers at once (default: one per core; 1: all in this process); the numbers do not depend on it"
  ),
  Options.optional
)

const list = (text: string) =>
  text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)

const isBenchmark = (name: string): name is BenchmarkName =>
  (BENCHMARKS as ReadonlyArray<string>).includes(name)

const write = (path: string, content: string) =>
  Effect.sync(() => {
    makeDirectories(dirname(path))
    writeFileSync(path, content)
  })

/**
 * Writes the SVG plot of every benchmark into `dir` as `quality-<benchmark>.svg`.
 *
 * @since 0.1.0
 */
export const writePlots = (dir: string, results: QualityResults): Effect.Effect<void> =>
  Effect.forEach(
    results.benchmarks,
    (benchmark) =>
      Effect.flatMap(
        Effect.promise(() => renderSvg(curveSpec(benchmark))),
        (svg) => write(join(dir, `quality-${benchmark.name}.svg`), svg)
      ),
    { discard: true }
  )

/**
 * The `quality` benchmark command (mounted as `bench quality`).
 *
 * @example
 * // llm-router bench quality --json bench/results/quality.json --scores-dir bench/results/scores --html bench/results/report.html
 *
 * @since 0.1.0
 */
export const benchQualityCommand = Command.make(
  "quality",
  { json, scoresDir, html, plotsDir, embedders, benchmarks, folds, slowEmbeddings, workers },
  (options) =>
    Effect.gen(function* () {
      const names = list(options.benchmarks)
      const unknown = names.filter((name) => !isBenchmark(name))
      if (unknown.length > 0)
        return yield* new ConfigError({
          path: "--benchmarks",
          message: `--benchmarks: unknown benchmark(s) ${unknown.join(", ")}; choose among ${BENCHMARKS.join(", ")}`
        })
      const started = Date.now()
      const results = yield* runQualityBench({
        benchmarks: names.filter(isBenchmark),
        embedders: list(options.embedders),
        folds: options.folds,
        slowEmbeddings: options.slowEmbeddings,
        ...(Option.isSome(options.workers) ? { workers: options.workers.value } : {}),
        onProgress: (message) =>
          process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${message}\n`)
      })
      yield* Console.log(qualityTableText(results))
      const { html: htmlFile, json: jsonFile, scoresDir: scoresFolder } = options
      if (Option.isSome(jsonFile))
        yield* write(jsonFile.value, JSON.stringify(toJson(results), null, 2) + "\n")
      if (Option.isSome(scoresFolder)) yield* Effect.sync(() => writeScores(scoresFolder.value, results))
      const plots = Option.orElse(options.plotsDir, () => Option.map(htmlFile, dirname))
      if (Option.isSome(plots)) yield* writePlots(plots.value, results)
      if (Option.isSome(htmlFile))
        yield* Effect.flatMap(
          Effect.promise(() => htmlReport(results)),
          (page) => write(htmlFile.value, page)
        )
      process.stderr.write(`bench quality finished in ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
    })
).pipe(
  Command.withDescription(
    "Routing quality of every router on MT Bench, MMLU, GSM8K and arena (RouteLLM's metrics, out-of-fold)"
  )
)
