import { Effect } from "effect"
import { NodeRuntime } from "@effect/platform-node"
import { runFailoverBench, table } from "./failover.ts"
const requests = Number(process.argv[2] ?? 200)
const concurrency = Number(process.argv[3] ?? 16)
const json = process.argv[4]
NodeRuntime.runMain(Effect.gen(function* () {
  const t = Date.now()
  const results = yield* runFailoverBench({ requests, concurrency, ...(json ? { json } : {}) })
  console.log(table(results))
  console.log(`took ${Date.now() - t} ms`)
}))
