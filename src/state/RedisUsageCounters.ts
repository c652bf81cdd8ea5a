/**
 * Per-minute request and token counters shared through Redis: one hash per deployment and minute,
 * incremented atomically (`HINCRBY` in a `MULTI`) and expiring after two minutes. Local counters
 * are kept as well and answer while Redis is unreachable.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Layer } from "effect"
import type { RedisClientShape } from "./RedisClient.ts"
import { RedisClient } from "./RedisClient.ts"
import type { UsageCountersShape } from "./UsageCounters.ts"
import { makeMemory, minuteOf, UsageCounters } from "./UsageCounters.ts"

/** @since 0.1.0 */
export const make = (client: RedisClientShape): UsageCountersShape => {
  const local = makeMemory()
  const key = (deployment: string, now: number) => client.key("usage", deployment, minuteOf(now))
  return {
    record: (deployment, tokens) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.zipRight(
          local.record(deployment, tokens),
          client.attempt(
            "usage.record",
            async (redis) => {
              const k = key(deployment, now)
              await redis
                .multi()
                .hincrby(k, "requests", 1)
                .hincrby(k, "tokens", Math.round(tokens))
                .pexpire(k, 120_000)
                .exec()
            },
            Effect.void
          )
        )
      ),
    current: (deployment) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        client.attempt(
          "usage.current",
          async (redis) => {
            const [requests, tokens] = await redis.hmget(key(deployment, now), "requests", "tokens")
            return { requests: Number(requests ?? 0), tokens: Number(tokens ?? 0) }
          },
          local.current(deployment)
        )
      )
  }
}

/** The `UsageCounters` service over Redis. @since 0.1.0 */
export const layer: Layer.Layer<UsageCounters, never, RedisClient> = Layer.effect(
  UsageCounters,
  Effect.map(RedisClient, make)
)
