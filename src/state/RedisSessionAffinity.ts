/**
 * Session affinity shared through Redis, so that a conversation sticks to its deployment whichever
 * router process serves its next turn. One key per session and route, holding the binding as JSON,
 * expiring `ttl` after its last use (`GETEX … PX` on lookup extends it); a small set per session lists
 * its routes for `forget`. The local store answers while Redis is unreachable (the session may then
 * switch deployment once, which is safe).
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Layer, Option, Schema } from "effect"
import type { RedisClientShape } from "./RedisClient.ts"
import { RedisClient } from "./RedisClient.ts"
import type { Binding, SessionAffinityOptions, SessionAffinityShape } from "./SessionAffinity.ts"
import { defaultTtl, make as makeMemory, SessionAffinity } from "./SessionAffinity.ts"

const StoredBinding = Schema.parseJson(Schema.Struct({ deployment: Schema.String, boundAtMs: Schema.Number }))
const decodeBinding = Schema.decodeUnknownOption(StoredBinding)

/** @since 0.1.0 */
export const make = (
  client: RedisClientShape,
  options: SessionAffinityOptions = {}
): SessionAffinityShape => {
  const local = makeMemory(options)
  const ttlMs = Duration.toMillis(Duration.decode(options.ttl ?? defaultTtl))
  const bindingKey = (session: string, route: string) => client.key("session", session, "route", route)
  const routesKey = (session: string) => client.key("session", session, "routes")
  return {
    ttlMs,
    lookup: (session, route) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        client.attempt(
          "sessions.lookup",
          async (redis): Promise<Option.Option<Binding>> => {
            const stored = await redis.getex(bindingKey(session, route), "PX", ttlMs)
            return Option.map(decodeBinding(stored), (b) => ({ ...b, expiresAtMs: now + ttlMs }))
          },
          local.lookup(session, route)
        )
      ),
    bind: (session, route, deployment) =>
      Effect.flatMap(local.bind(session, route, deployment), (binding) =>
        client.attempt(
          "sessions.bind",
          async (redis) => {
            await redis
              .multi()
              .set(
                bindingKey(session, route),
                JSON.stringify({ deployment, boundAtMs: binding.boundAtMs }),
                "PX",
                ttlMs
              )
              .sadd(routesKey(session), route)
              .pexpire(routesKey(session), ttlMs)
              .exec()
            return binding
          },
          Effect.succeed(binding)
        )
      ),
    forget: (session, route) =>
      Effect.zipRight(
        local.forget(session, route),
        client.attempt(
          "sessions.forget",
          async (redis) => {
            const routes = route === undefined ? await redis.smembers(routesKey(session)) : [route]
            const keys = routes.map((r) => bindingKey(session, r))
            if (keys.length > 0) await redis.del(...keys)
            if (route === undefined) await redis.del(routesKey(session))
            else await redis.srem(routesKey(session), route)
          },
          Effect.void
        )
      )
  }
}

/** The `SessionAffinity` service over Redis. @since 0.1.0 */
export const layer = (
  options: SessionAffinityOptions = {}
): Layer.Layer<SessionAffinity, never, RedisClient> =>
  Layer.effect(
    SessionAffinity,
    Effect.map(RedisClient, (client) => make(client, options))
  )
