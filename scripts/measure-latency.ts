/**
 * Decision latency of a router built by name (default: the shipped `mf` with its default embedder):
 * one prompt at a time, after a warm-up, over the arena-bench-v1 and MT Bench prompts repeated.
 * Usage: npx tsx scripts/measure-latency.ts [--router mf] [--embedder NAME] [--rounds 5]
 */
import { Effect } from "effect"
import { loadArena, loadMtBench } from "../src/evaluation/Datasets.ts"
import { makeRouter } from "../src/routers/RouterRegistry.ts"

const arg = (name: string) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : undefined
}

const program = Effect.gen(function* () {
  const os = yield* Effect.promise(() => import("node:os"))
  const coldStart = performance.now()
  const embedder = arg("embedder")
  const router = yield* makeRouter(arg("router") ?? "mf", embedder === undefined ? {} : { embedder })
  const coldMs = performance.now() - coldStart
  const prompts = [...(yield* loadArena()).items, ...(yield* loadMtBench()).items].map((item) => item.prompt)
  for (const prompt of prompts) yield* router.winRate(prompt)
  const rounds = Number(arg("rounds") ?? 5)
  // Wall-clock time includes waiting for a CPU on a busy machine; CPU time (process.cpuUsage) does not.
  const samples: Array<number> = []
  const cpuSamples: Array<number> = []
  for (let round = 0; round < rounds; round++) {
    for (const prompt of prompts) {
      const start = performance.now()
      const cpu = process.cpuUsage()
      yield* router.winRate(prompt)
      const used = process.cpuUsage(cpu)
      samples.push(performance.now() - start)
      cpuSamples.push((used.user + used.system) / 1000)
    }
  }
  const at = (values: Array<number>, q: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length
  console.log(
    JSON.stringify({
      router: router.name,
      embedder: embedder ?? "(manifest default)",
      decisions: samples.length,
      coldStartMs: coldMs,
      p50Ms: at(samples, 0.5),
      p99Ms: at(samples, 0.99),
      cpuP50Ms: at(cpuSamples, 0.5),
      cpuP99Ms: at(cpuSamples, 0.99),
      perSecond: 1000 / mean,
      loadAverage1m: os.loadavg()[0]
    })
  )
})

Effect.runPromise(program).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
