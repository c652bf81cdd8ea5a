/**
 * Out-of-fold quality and timing of the `knn_logistic` trainer through the project's benchmark code
 * (`QualityBenchmark.trainedResults`: 5 folds, seed 0, identical prompts in one fold), then the
 * per-prompt inference time of a router fitted on every prompt of the first benchmark.
 * Usage: npx tsx scripts/evaluate-knn-logistic.ts [--benchmarks mmlu,gsm8k] [--embedder static+hashing]
 *   [--latency 300] [--seed 0] [--mlp]
 * `--seed` changes the outer fold assignment; `--mlp` adds the MLP and ensemble candidates
 * (`KnnLogisticTraining.MLP_CONFIGURATIONS`, off by default).
 */
import { Effect } from "effect"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeEmbedder } from "../src/embeddings/EmbedderRegistry.ts"
import { embedWithCache } from "../src/evaluation/EmbeddingStore.ts"
import { loadArena, loadBenchmark, pairItems } from "../src/evaluation/Datasets.ts"
import type { BenchmarkName } from "../src/evaluation/Datasets.ts"
import * as QualityBenchmark from "../src/evaluation/QualityBenchmark.ts"
import * as Trainers from "../src/evaluation/Trainers.ts"
import * as KnnLogisticTraining from "../src/routers/KnnLogisticTraining.ts"
import * as KnnLogisticWeights from "../src/routers/KnnLogisticWeights.ts"
import type { KnnLogisticModel } from "../src/routers/KnnLogisticRouter.ts"
import { makeRouter } from "../src/routers/RouterRegistry.ts"

const arg = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback
}
const benchmarkNames = arg("benchmarks", "mmlu,gsm8k").split(",") as Array<BenchmarkName>
// --folds 0: skip the out-of-fold evaluation (latency only)
const folds = Number(arg("folds", "5"))
const embedderName = arg("embedder", "static+hashing")
const latencyPrompts = Number(arg("latency", "300"))
const seed = Number(arg("seed", "0"))
const withMlp = process.argv.includes("--mlp")
const log = (message: string) =>
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`)

const program = Effect.gen(function* () {
  const embedder = yield* makeEmbedder(embedderName)
  const arena = yield* loadArena()
  // Every embedder, not only the one `bench quality` runs it with.
  const trainer = {
    ...Trainers.knnLogistic({
      onProgress: (message) => log(`  ${message}`),
      ...(withMlp ? { mlpConfigurations: KnnLogisticTraining.MLP_CONFIGURATIONS } : {})
    }),
    benchEmbedders: undefined
  }
  for (const name of benchmarkNames) {
    const benchmark = yield* loadBenchmark(name)
    if (folds > 0) {
      const started = Date.now()
      const [result] = yield* QualityBenchmark.trainedResults(benchmark, embedder, {
        arena,
        trainers: [trainer],
        k: 5,
        seed,
        onProgress: log
      })
      const seconds = (Date.now() - started) / 1000
      const { routellm, exact } = result!.evaluation
      console.log(
        `${name} knn_logistic${withMlp ? " (with MLP)" : ""} × ${embedderName}, fold seed ${seed}: APGR ${routellm.metrics.apgr.toFixed(4)} (exact ${exact.metrics.apgr.toFixed(4)}), wall ${seconds.toFixed(0)} s`
      )
      for (const [fold, hyper] of (result!.hyperParameters ?? []).entries())
        console.log(`  fold ${fold}: ${JSON.stringify(hyper)}`)
    }
    if (latencyPrompts > 0 && name === benchmarkNames[0]) {
      // Inference: a router fitted on every prompt, timed one prompt at a time (embedding included).
      const embeddings = yield* embedWithCache(
        embedder,
        name,
        benchmark.items.map((item) => item.prompt),
        {}
      )
      const fitted = trainer.fit({
        embeddings,
        items: benchmark.items,
        models: Trainers.modelsOf(benchmark.items),
        strongModel: benchmark.strongModel,
        weakModel: benchmark.weakModel,
        seed: 0
      })
      // Saved and loaded through the registry, as `llm-router score --router knn_logistic --weights …`.
      const weightsPath = join(tmpdir(), `knn_logistic-${name}-${process.pid}.json`)
      yield* KnnLogisticWeights.save(weightsPath, fitted.model as KnnLogisticModel, {
        embedder: embedder.name
      })
      const loadStarted = Date.now()
      const router = yield* makeRouter("knn_logistic", { weights: weightsPath })
      console.log(`  router loaded from ${weightsPath} in ${Date.now() - loadStarted} ms`)
      const prompts = pairItems(benchmark)
        .slice(0, latencyPrompts)
        .map((item) => item.prompt)
      const times: Array<number> = []
      for (const prompt of prompts) {
        const start = process.hrtime.bigint()
        yield* router.winRate(prompt)
        times.push(Number(process.hrtime.bigint() - start) / 1e6)
      }
      times.sort((a, b) => a - b)
      const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2)
      console.log(
        `  inference (${prompts.length} prompts, ${embeddings.length} examples, embedding included): p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`
      )
    }
  }
})

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exit(1)
})
