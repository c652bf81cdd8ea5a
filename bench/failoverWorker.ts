/**
 * One router process of the failover benchmark: runs its share of the load against the fake
 * upstream with its state in Redis (shared with the other router processes), prints
 * `progress <n>` lines while it runs and one `result <json>` line at the end.
 *
 * Usage (spawned by bench/failover.ts): node --import tsx bench/failoverWorker.ts '<json options>'
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger, Metric, Schema } from "effect"
import * as OpenAICompatibleProvider from "../src/providers/OpenAICompatibleProvider.ts"
import { redisFallbacks } from "../src/state/RedisClient.ts"
import { layerRedis } from "../src/state/RedisState.ts"
import { benchCooldownPolicy, runLoad } from "./failoverLoad.ts"

const WorkerOptions = Schema.parseJson(
  Schema.Struct({
    baseUrl: Schema.String,
    redisUrl: Schema.String,
    keyPrefix: Schema.String,
    requests: Schema.Int,
    concurrency: Schema.Int,
    idPrefix: Schema.String
  })
)

const program = Effect.gen(function* () {
  const options = yield* Schema.decodeUnknown(WorkerOptions)(process.argv[2] ?? "")
  const records = yield* runLoad({
    baseUrl: options.baseUrl,
    requests: options.requests,
    concurrency: options.concurrency,
    idPrefix: options.idPrefix,
    streaming: "mixed",
    warmup: 16,
    onDone: (done) => {
      if (done % 25 === 0) process.stdout.write(`progress ${done}\n`)
    }
  }).pipe(
    Effect.provide(
      Layer.merge(
        OpenAICompatibleProvider.layer,
        layerRedis({
          url: options.redisUrl,
          keyPrefix: options.keyPrefix,
          cooldownPolicy: benchCooldownPolicy
        })
      )
    )
  )
  const fallbacks = (yield* Metric.value(redisFallbacks)).count
  process.stdout.write(`fallbacks ${fallbacks}\n`)
  process.stdout.write(`result ${JSON.stringify(records)}\n`)
}).pipe(
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false })))
)

NodeRuntime.runMain(program)
