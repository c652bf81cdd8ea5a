/**
 * Latency samples shared through Redis: a capped list per deployment (`LPUSH` + `LTRIM` + expiry in
 * one `MULTI`), summarised by the same function as the in-memory layer. Samples read back are
 * decoded with Schema (another process wrote them). Local samples answer while Redis is down.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Layer, Option, Schema } from "effect"
import type { LatencySample, LatencyStatsShape, LatencyWindow } from "./LatencyStats.ts"
import { defaultLatencyWindow, LatencyStats, makeMemory, summarise } from "./LatencyStats.ts"
import type { RedisClientShape } from "./RedisClient.ts"
import { RedisClient } from "./RedisClient.ts"

const StoredSample = Schema.parseJson(
  Schema.Struct({
    latencyMs: Schema.Number,
    outputTokens: Schema.Number,
    timeToFirstTokenMs: Schema.optionalWith(Schema.Number, { exact: true }),
    at: Schema.Number
  })
)
const decodeSample = Schema.decodeUnknownOption(StoredSample)

/** @since 0.1.0 */
export const make = (
  client: RedisClientShape,
  window: LatencyWindow = defaultLatencyWindow
): LatencyStatsShape => {
  const local = makeMemory(window)
  const key = (deployment: string) => client.key("latency", deployment)
  return {
    record: (deployment, sample: LatencySample) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.zipRight(
          local.record(deployment, sample),
          client.attempt(
            "latency.record",
            async (redis) => {
              const k = key(deployment)
              await redis
                .multi()
                .lpush(k, JSON.stringify({ ...sample, at: now }))
                .ltrim(k, 0, window.maxSamples - 1)
                .pexpire(k, window.maxAgeMs)
                .exec()
            },
            Effect.void
          )
        )
      ),
    get: (deployment) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        client.attempt(
          "latency.get",
          async (redis) => {
            const stored = await redis.lrange(key(deployment), 0, window.maxSamples - 1)
            // Newest first in Redis; `summarise` expects oldest first.
            const samples = stored.flatMap((text) => Option.toArray(decodeSample(text))).reverse()
            return summarise(samples, now, window)
          },
          local.get(deployment)
        )
      )
  }
}

/** The `LatencyStats` service over Redis. @since 0.1.0 */
export const layer = (window?: LatencyWindow): Layer.Layer<LatencyStats, never, RedisClient> =>
  Layer.effect(
    LatencyStats,
    Effect.map(RedisClient, (client) => make(client, window))
  )
