/**
 * In-flight counts shared through Redis. Each router instance publishes its own absolute count per
 * deployment, as one field of a hash (`inflight-by-instance:<deployment>`, field = the instance's id, value =
 * `count:publishedAtMs`), and a deployment's count is the sum of the fields published within the
 * safety TTL.
 *
 * Absolute counts, not INCR/DECR, so that a write lost while Redis was unreachable does not leave a
 * count behind until some TTL: a deployment whose write failed is remembered, and its current count
 * is written again by the instance's next command that reaches Redis. Fields of an instance that
 * died fade out after the safety TTL (and are deleted by the next reader). The local count answers
 * while Redis is unreachable, and the instance's own field is always read locally.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect, Layer } from "effect"
import type { InFlightShape } from "./InFlight.ts"
import { InFlight } from "./InFlight.ts"
import type { RedisClientShape } from "./RedisClient.ts"
import { RedisClient } from "./RedisClient.ts"

/** A count not re-published for this long is assumed lost (its process died). */
export const safetyTtlMs = 10 * 60 * 1000

/**
 * Parses one published field value (`count:publishedAtMs`); `undefined` when it is malformed.
 * @since 0.1.0
 */
export const parseField = (value: string): { readonly count: number; readonly atMs: number } | undefined => {
  const [count, atMs] = value.split(":").map(Number)
  return Number.isInteger(count) && count! >= 0 && Number.isFinite(atMs)
    ? { count: count!, atMs: atMs! }
    : undefined
}

/**
 * The `InFlight` service over a Redis client; `instanceId` names this instance's fields (a random
 * id by default).
 *
 * @since 0.1.0
 */
export const make = (client: RedisClientShape, instanceId: string = randomUUID()): InFlightShape => {
  const local = new Map<string, number>()
  /** Deployments whose last published count may not have reached Redis. */
  const unpublished = new Set<string>()
  // Not the `inflight:` string keys that earlier builds counted with INCR: during a rolling
  // upgrade the two versions count apart instead of failing on the other's key type.
  const key = (deployment: string) => client.key("inflight-by-instance", deployment)
  const localCount = (deployment: string) => local.get(deployment) ?? 0

  // Writes the current local counts of `deployments` plus every count still unpublished; on
  // failure they all stay unpublished for the next command.
  const publish = (deployments: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      for (const deployment of deployments) unpublished.add(deployment)
      if (unpublished.size === 0) return
      const now = yield* Clock.currentTimeMillis
      const pending = [...unpublished]
      const written = yield* client.attempt(
        "inFlight.publish",
        async (redis) => {
          const transaction = redis.multi()
          for (const deployment of pending) {
            transaction.hset(key(deployment), instanceId, `${localCount(deployment)}:${now}`)
            transaction.pexpire(key(deployment), safetyTtlMs)
          }
          await transaction.exec()
          return true
        },
        Effect.succeed(false)
      )
      if (written) for (const deployment of pending) unpublished.delete(deployment)
    })

  const add = (deployment: string, delta: number) =>
    Effect.suspend(() => {
      local.set(deployment, Math.max(0, localCount(deployment) + delta))
      return publish([deployment])
    })

  return {
    count: (deployment) =>
      Effect.gen(function* () {
        if (unpublished.size > 0) yield* publish([])
        const now = yield* Clock.currentTimeMillis
        return yield* client.attempt(
          "inFlight.count",
          async (redis) => {
            const fields = await redis.hgetall(key(deployment))
            let total = localCount(deployment)
            const stale: Array<string> = []
            for (const [instance, value] of Object.entries(fields)) {
              if (instance === instanceId) continue
              const field = parseField(value)
              if (field === undefined || now - field.atMs > safetyTtlMs) stale.push(instance)
              else total += field.count
            }
            if (stale.length > 0) await redis.hdel(key(deployment), ...stale)
            return total
          },
          Effect.sync(() => localCount(deployment))
        )
      }),
    track: (deployment, effect) =>
      Effect.acquireUseRelease(
        add(deployment, 1),
        () => effect,
        () => add(deployment, -1)
      ),
    enter: (deployment) => Effect.asVoid(Effect.acquireRelease(add(deployment, 1), () => add(deployment, -1)))
  }
}

/** The `InFlight` service over Redis. @since 0.1.0 */
export const layer: Layer.Layer<InFlight, never, RedisClient> = Layer.effect(
  InFlight,
  Effect.map(RedisClient, (client) => make(client))
)
