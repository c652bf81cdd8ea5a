/**
 * Merges `bench quality --json` files: the routers of later files (e.g. a separate run of
 * `--benchmarks mmlu --embedders use-lite`, whose embeddings were not cached during the main run)
 * are added to the benchmarks of the first, their "not evaluated" entries removed, and the plots
 * and HTML report are drawn again from the merged figures. Score files are not touched: copy the
 * side run's `--scores-dir` files next to the main ones.
 *
 * Usage: npx tsx bench/mergeQuality.ts MAIN.json EXTRA.json... [--html FILE] [--plots-dir DIR]
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { BenchmarkResult, QualityResults, RouterResult } from "./qualityResults.ts"
import { resultName, toJson } from "./qualityResults.ts"
import { curveSpec, htmlReport, renderSvg } from "./report.ts"
import { makeDirectories } from "../src/core/Directories.ts"

const Metrics = Schema.Struct({
  cpt20: Schema.Number,
  cpt50: Schema.Number,
  cpt80: Schema.Number,
  auc: Schema.Number,
  apgr: Schema.Number
})
const Curve = Schema.Array(Schema.Struct({ strongFraction: Schema.Number, score: Schema.Number }))
const Router = Schema.Struct({
  router: Schema.String,
  embedder: Schema.NullOr(Schema.String),
  protocol: Schema.Literal("none", "k-fold", "held-out", "oracle"),
  seeds: Schema.Number,
  routellm: Schema.Struct({ metrics: Metrics, curve: Curve }),
  exact: Schema.Struct({ metrics: Metrics, curve: Curve }),
  hyperParameters: Schema.optionalWith(
    Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Union(Schema.Number, Schema.String) })),
    { exact: true }
  )
})
const Benchmark = Schema.Struct({
  name: Schema.Literal("mt-bench", "mmlu", "gsm8k", "arena"),
  strongModel: Schema.String,
  weakModel: Schema.String,
  promptCount: Schema.Number,
  removedAsContaminated: Schema.Number,
  strongScore: Schema.Number,
  weakScore: Schema.Number,
  routers: Schema.Array(Router),
  skipped: Schema.Array(
    Schema.Struct({ router: Schema.String, embedder: Schema.NullOr(Schema.String), reason: Schema.String })
  )
})
const QualityFile = Schema.Struct({
  generatedAt: Schema.String,
  folds: Schema.Number,
  seed: Schema.Number,
  protocols: Schema.Record({ key: Schema.String, value: Schema.String }),
  embeddingCache: Schema.String,
  durationSeconds: Schema.Number,
  cpuSeconds: Schema.Number,
  machine: Schema.Struct({
    cores: Schema.Number,
    loadAverageStart: Schema.Number,
    loadAverageEnd: Schema.Number
  }),
  benchmarks: Schema.Array(Benchmark)
})

/**
 * Reads a `bench quality --json` file back into results (per-prompt prompts and win rates are not
 * in the JSON: prompts become placeholders of the right count, win rates empty).
 *
 * @since 0.1.0
 */
export const readQualityJson = (path: string): Effect.Effect<QualityResults, Error> =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (cause) => new Error(`cannot read ${path}: ${String(cause)}`)
  }).pipe(
    Effect.flatMap((text) => Schema.decodeUnknown(Schema.parseJson(QualityFile))(text)),
    Effect.mapError((error) => new Error(`${path}: ${error.message}`)),
    Effect.map((file) => ({
      ...file,
      benchmarks: file.benchmarks.map(({ promptCount, ...benchmark }): BenchmarkResult => ({
        ...benchmark,
        prompts: Array.from({ length: promptCount }, (_, index) => `#${index}`),
        routers: benchmark.routers.map((router): RouterResult => ({ ...router, winRates: [] }))
      }))
    }))
  )

/**
 * Adds the routers of `extra` that `main` lacks (same benchmark, same router and embedder) before
 * `main`'s oracle, drops `main`'s skipped entries for the embedders `extra` brought, appends the
 * benchmarks `main` lacks, and adds the run times (machine load: the higher of the two).
 *
 * @since 0.1.0
 */
export const mergeQuality = (main: QualityResults, extra: QualityResults): QualityResults => ({
  ...main,
  durationSeconds: main.durationSeconds + extra.durationSeconds,
  cpuSeconds: main.cpuSeconds + extra.cpuSeconds,
  machine: {
    cores: main.machine.cores,
    loadAverageStart: Math.max(main.machine.loadAverageStart, extra.machine.loadAverageStart),
    loadAverageEnd: Math.max(main.machine.loadAverageEnd, extra.machine.loadAverageEnd)
  },
  benchmarks: [
    ...mergeBenchmarks(main, extra),
    ...extra.benchmarks.filter((benchmark) => !main.benchmarks.some((known) => known.name === benchmark.name))
  ]
})

const mergeBenchmarks = (main: QualityResults, extra: QualityResults): ReadonlyArray<BenchmarkResult> =>
  main.benchmarks.map((benchmark) => {
    const other = extra.benchmarks.find((candidate) => candidate.name === benchmark.name)
    if (other === undefined) return benchmark
    const known = new Set(benchmark.routers.map(resultName))
    const added = other.routers.filter((router) => router.embedder !== null && !known.has(resultName(router)))
    const embedders = new Set(added.map((router) => router.embedder))
    const oracle = benchmark.routers.filter((router) => router.protocol === "oracle")
    return {
      ...benchmark,
      routers: [...benchmark.routers.filter((router) => router.protocol !== "oracle"), ...added, ...oracle],
      skipped: benchmark.skipped.filter((entry) => !embedders.has(entry.embedder))
    }
  })

const option = (args: ReadonlyArray<string>, name: string) => {
  const index = args.indexOf(name)
  return index < 0 ? undefined : args[index + 1]
}

const main = Effect.gen(function* () {
  const args = process.argv.slice(2)
  const html = option(args, "--html")
  const plotsDir = option(args, "--plots-dir")
  const files = args.filter(
    (arg, index) => !arg.startsWith("--") && !["--html", "--plots-dir"].includes(args[index - 1] ?? "")
  )
  const [first, ...rest] = files
  if (first === undefined || rest.length === 0)
    return yield* Effect.fail(
      new Error("usage: mergeQuality.ts MAIN.json EXTRA.json... [--html FILE] [--plots-dir DIR]")
    )
  let merged = yield* readQualityJson(first)
  for (const file of rest) merged = mergeQuality(merged, yield* readQualityJson(file))
  writeFileSync(first, JSON.stringify(toJson(merged), null, 2) + "\n")
  if (plotsDir !== undefined) {
    makeDirectories(plotsDir)
    for (const benchmark of merged.benchmarks) {
      const svg = yield* Effect.promise(() => renderSvg(curveSpec(benchmark)))
      writeFileSync(join(plotsDir, `quality-${benchmark.name}.svg`), svg)
    }
  }
  if (html !== undefined) writeFileSync(html, yield* Effect.promise(() => htmlReport(merged)))
  process.stderr.write(`merged ${rest.join(", ")} into ${first}\n`)
})

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  Effect.runPromise(main).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  })
}
