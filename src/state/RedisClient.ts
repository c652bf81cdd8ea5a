/**
 * The Redis connection shared by the Redis layers of the state services, with the one rule they
 * all follow: Redis is an optimisation, never a dependency of a request. Every command goes
 * through `attempt`, which on any failure (Redis down, slow, restarting) answers from the local,
 * in-memory state instead, logs the outage once (`Effect.logWarning`) and counts each fallback in
 * the `llm_router_redis_fallbacks_total` metric. ioredis keeps reconnecting in the background; the
 * first command that succeeds again logs the recovery.
 *
 * Commands fail fast while disconnected (no offline queue) and time out after `commandTimeoutMs`,
 * so an outage costs a request at most that long per state call.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Metric } from "effect"
import type { Scope } from "effect"
import { Redis } from "ioredis"

/**
 * Connection settings.
 * @since 0.1.0
 */
export interface RedisOptions {
  /** `redis://host:port/db`. */
  readonly url: string
  /** Prepended to every key, e.g. `llm-router:prod:`. */
  readonly keyPrefix: string
  /** Per-command timeout (default 250 ms). */
  readonly commandTimeoutMs?: number
  /** How long building the layer waits for a first connection before serving locally (default 1 s). */
  readonly connectWaitMs?: number
}

/** @since 0.1.0 */
export interface RedisClientShape {
  readonly keyPrefix: string
  /** Prefixes a key. */
  readonly key: (...parts: ReadonlyArray<string | number>) => string
  /** Runs a command; on failure, warns (once per outage), counts, and returns `fallback`. */
  readonly attempt: <A>(
    operation: string,
    command: (redis: Redis) => Promise<A>,
    fallback: Effect.Effect<A>
  ) => Effect.Effect<A>
  /** Whether the last command reached Redis. */
  readonly healthy: Effect.Effect<boolean>
  readonly redis: Redis
}

/**
 * The shared Redis connection.
 * @since 0.1.0
 */
export class RedisClient extends Context.Tag("effect-llm-router/RedisClient")<
  RedisClient,
  RedisClientShape
>() {}

/**
 * Counts state operations served from local memory because Redis could not be reached.
 * @since 0.1.0
 */
export const redisFallbacks = Metric.counter("llm_router_redis_fallbacks_total", {
  description: "State operations served from local memory because Redis was unreachable"
})

const safeUrl = (url: string) => url.replace(/\/\/[^@/]*@/, "//***@")

/**
 * Connects (scoped: the connection closes with the scope). Never fails: with Redis down, the
 * client starts disconnected and every command falls back until Redis comes back.
 *
 * @since 0.1.0
 */
export const make = (options: RedisOptions): Effect.Effect<RedisClientShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const redis = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Redis(options.url, {
            enableOfflineQueue: false,
            maxRetriesPerRequest: 0,
            commandTimeout: options.commandTimeoutMs ?? 250,
            connectTimeout: 1_000,
            retryStrategy: (times) => Math.min(50 * times, 1_000),
            lazyConnect: false
          })
      ),
      (redis) => Effect.sync(() => redis.disconnect())
    )
    // ioredis reports connection errors as events; `attempt` reports outages, so they are silenced here.
    redis.on("error", () => undefined)
    yield* Effect.async<void>((resume) => {
      const done = () => {
        clearTimeout(timer)
        redis.off("ready", done)
        resume(Effect.void)
      }
      const timer = setTimeout(done, options.connectWaitMs ?? 1_000)
      if (redis.status === "ready") done()
      else redis.once("ready", done)
    })
    let down = redis.status !== "ready"
    if (down) {
      yield* Effect.logWarning(
        `Redis at ${safeUrl(options.url)} is unreachable: serving on local state until it is back`
      )
    }
    const attempt = <A>(
      operation: string,
      command: (redis: Redis) => Promise<A>,
      fallback: Effect.Effect<A>
    ) =>
      Effect.tryPromise(() => command(redis)).pipe(
        Effect.tap(() => {
          if (!down) return Effect.void
          down = false
          return Effect.logInfo(`Redis at ${safeUrl(options.url)} is reachable again: shared state resumed`)
        }),
        Effect.catchAll((error) => {
          const warn = down
            ? Effect.void
            : Effect.logWarning(
                `Redis at ${safeUrl(options.url)} failed (${operation}: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}): serving on local state until it is back`
              )
          down = true
          return Effect.zipRight(Effect.zipRight(warn, Metric.increment(redisFallbacks)), fallback)
        }),
        Effect.withSpan(`RedisClient.${operation}`)
      )
    return {
      keyPrefix: options.keyPrefix,
      key: (...parts) => `${options.keyPrefix}${parts.join(":")}`,
      attempt,
      healthy: Effect.sync(() => !down),
      redis
    }
  })

/**
 * The client as a layer.
 * @since 0.1.0
 */
export const layer = (options: RedisOptions): Layer.Layer<RedisClient> =>
  Layer.scoped(RedisClient, make(options))
