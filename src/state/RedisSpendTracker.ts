/**
 * Spend per key and window shared through Redis (`INCRBYFLOAT` on one key per window bucket,
 * expiring after two windows). Local totals are kept as well and answer while Redis is down.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Layer } from "effect"
import type { RedisClientShape } from "./RedisClient.ts"
import { RedisClient } from "./RedisClient.ts"
import type { SpendTrackerShape } from "./SpendTracker.ts"
import { makeMemory, SpendTracker, trackedWindowsMs } from "./SpendTracker.ts"

/** @since 0.1.0 */
export const make = (client: RedisClientShape): SpendTrackerShape => {
  const local = makeMemory()
  const bucket = (key: string, windowMs: number, now: number) =>
    client.key("spend", key, windowMs, Math.floor(now / windowMs))
  return {
    record: (keys, costUsd) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.zipRight(
          local.record(keys, costUsd),
          client.attempt(
            "spend.record",
            async (redis) => {
              const transaction = redis.multi()
              for (const key of keys) {
                for (const windowMs of trackedWindowsMs) {
                  const k = bucket(key, windowMs, now)
                  transaction.incrbyfloat(k, costUsd).pexpire(k, windowMs * 2)
                }
              }
              await transaction.exec()
            },
            Effect.void
          )
        )
      ),
    spent: (key, windowMs) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        client.attempt(
          "spend.spent",
          async (redis) => Number((await redis.get(bucket(key, windowMs, now))) ?? 0),
          local.spent(key, windowMs)
        )
      )
  }
}

/** The `SpendTracker` service over Redis. @since 0.1.0 */
export const layer: Layer.Layer<SpendTracker, never, RedisClient> = Layer.effect(
  SpendTracker,
  Effect.map(RedisClient, make)
)
