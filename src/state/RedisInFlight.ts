/**
 * In-flight counts shared through Redis (INCR/DECR with a safety TTL, refreshed by every increment,
 * so that counts left behind by a crashed process fade out). The local count is kept as well and
 * answers while Redis is unreachable; a decrement goes to Redis only if the increment did.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import type { InFlightShape } from "./InFlight.ts"
import { InFlight, makeMemory } from "./InFlight.ts"
import type { RedisClientShape } from "./RedisClient.ts"
import { RedisClient } from "./RedisClient.ts"

/** A request in flight longer than this is assumed lost (its process died). */
const safetyTtlMs = 10 * 60 * 1000

/** @since 0.1.0 */
export const make = (client: RedisClientShape): InFlightShape => {
  const local = makeMemory()
  const key = (deployment: string) => client.key("inflight", deployment)
  return {
    count: (deployment) =>
      client.attempt(
        "inFlight.count",
        async (redis) => Math.max(0, Number((await redis.get(key(deployment))) ?? 0)),
        local.count(deployment)
      ),
    track: (deployment, effect) =>
      Effect.acquireUseRelease(
        client.attempt(
          "inFlight.increment",
          async (redis) => {
            await redis.multi().incr(key(deployment)).pexpire(key(deployment), safetyTtlMs).exec()
            return true
          },
          Effect.succeed(false)
        ),
        () => local.track(deployment, effect),
        (shared) =>
          shared
            ? client.attempt(
                "inFlight.decrement",
                (redis) => redis.decr(key(deployment)).then(() => undefined),
                Effect.void
              )
            : Effect.void
      )
  }
}

/** The `InFlight` service over Redis. @since 0.1.0 */
export const layer: Layer.Layer<InFlight, never, RedisClient> = Layer.effect(
  InFlight,
  Effect.map(RedisClient, make)
)
