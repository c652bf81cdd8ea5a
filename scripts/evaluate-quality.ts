/**
 * Runs the quality benchmark (every router × embedder × benchmark) and prints the APGR table.
 * Usage: npx tsx scripts/evaluate-quality.ts [--embedders static,hashing,use-lite] [--benchmarks mt-bench,arena,gsm8k,mmlu]
 *                                              [--routers mf,knn,sw_ranking,classifier] [--mf-ranks 1,2,3] [--json FILE]
 * Embeddings are cached under .cache/embeddings (USE-lite over all data sets takes ~20 min once).
 */
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { makeEmbedder } from "../src/embeddings/EmbedderRegistry.ts"
import { loadArena, loadBenchmark } from "../src/evaluation/Datasets.ts"
import type { BenchmarkName } from "../src/evaluation/Datasets.ts"
import * as QualityBenchmark from "../src/evaluation/QualityBenchmark.ts"
import * as Trainers from "../src/evaluation/Trainers.ts"

const arg = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback
}
const embedderNames = arg("embedders", "static,hashing,use-lite").split(",")
const benchmarkNames = arg("benchmarks", "mt-bench,arena,gsm8k,mmlu").split(",") as Array<BenchmarkName>
const routerNames = arg("routers", "mf,knn,sw_ranking,classifier").split(",")
const json = arg("json", "")
// --mf-ranks 1 fixes the MF rank instead of choosing it on validation data (the default: 1,2,3)
const mfRanks = arg("mf-ranks", "")
const trainers = Trainers.trainers.map((trainer) =>
  trainer.name === "mf" && mfRanks !== ""
    ? Trainers.matrixFactorization({ ranks: mfRanks.split(",").map(Number) })
    : trainer
)

const program = Effect.gen(function* () {
  const embedders = yield* Effect.forEach(embedderNames, makeEmbedder)
  const benchmarks = yield* Effect.forEach(benchmarkNames, (name) => loadBenchmark(name))
  const arena = yield* loadArena()
  const started = Date.now()
  const reports = yield* QualityBenchmark.run({
    benchmarks,
    arena,
    embedders,
    trainers: routerNames.flatMap((name) => trainers.filter((trainer) => trainer.name === name)),
    onProgress: (message) =>
      process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${message}\n`),
    onResult: (result) =>
      process.stderr.write(
        `  = ${result.benchmark} ${result.router} × ${result.embedder ?? "-"} (${result.protocol}): APGR ${result.evaluation.routellm.metrics.apgr.toFixed(3)} (exact ${result.evaluation.exact.metrics.apgr.toFixed(3)})\n`
      )
  })
  const f = (value: number) => value.toFixed(3)
  for (const report of reports) {
    console.log(
      `\n## ${report.benchmark} (${report.prompts} prompts; strong ${f(report.strongScore)}, weak ${f(report.weakScore)})`
    )
    console.log(`| router | embedder | protocol | APGR (RouteLLM 10 bins) | APGR (exact) | CPT50 (exact) |`)
    console.log(`|---|---|---|---|---|---|`)
    console.log(
      `| random (${report.random.seeds} seeds) | - | none | ${f(report.random.routellm.apgr)} | ${f(report.random.exact.apgr)} | ${f(report.random.exact.cpt50)} |`
    )
    console.log(
      `| oracle | - | none | - | ${f(report.oracle.metrics.apgr)} | ${f(report.oracle.metrics.cpt50)} |`
    )
    for (const result of report.results) {
      console.log(
        `| ${result.router} | ${result.embedder ?? "-"} | ${result.protocol} | ${f(result.evaluation.routellm.metrics.apgr)} | ${f(result.evaluation.exact.metrics.apgr)} | ${f(result.evaluation.exact.metrics.cpt50)} |`
      )
    }
  }
  if (json !== "")
    writeFileSync(
      json,
      JSON.stringify(
        reports.map((report) => ({
          ...report,
          results: report.results.map(({ prompts: _prompts, ...rest }) => rest)
        })),
        null,
        1
      )
    )
})

Effect.runPromise(program).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
