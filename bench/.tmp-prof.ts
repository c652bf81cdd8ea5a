import { Effect, Layer } from "effect"
import { monitorEventLoopDelay } from "node:perf_hooks"
import * as FakeUpstream from "../src/providers/FakeUpstream.ts"
import * as OpenAICompatibleProvider from "../src/providers/OpenAICompatibleProvider.ts"
import * as Cooldowns from "../src/state/Cooldowns.ts"
import * as State from "../src/state/index.ts"
import { benchCooldownPolicy, benchScript, runLoad } from "./failoverLoad.ts"
const h = monitorEventLoopDelay({ resolution: 10 }); h.enable()
const streaming = (process.argv[2] ?? "none") as "none" | "all"
const t = Date.now()
await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
  const upstream = yield* FakeUpstream.make({ script: benchScript })
  const records = yield* runLoad({ baseUrl: upstream.baseUrl, requests: 600, concurrency: 32, idPrefix: "x", streaming }).pipe(
    Effect.provide(Layer.mergeAll(OpenAICompatibleProvider.layer, State.layerMemory, Cooldowns.layerMemory(benchCooldownPolicy))))
  const lat = records.map(r => r.latencyMs).sort((a,b)=>a-b)
  console.log("p50", lat[300], "p99", lat[594], "dups", [...upstream.answersByRequestId.values()].filter(n=>n>1).length)
})))
console.log("took", Date.now() - t, "loop delay p50/p99/max ms", h.percentile(50)/1e6, h.percentile(99)/1e6, h.max/1e6, "cpu", process.cpuUsage())
