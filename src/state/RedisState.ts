/**
 * Every state service over one shared Redis: what several router processes use to see each
 * other's cooldowns, usage, latency, in-flight counts and spend. It never fails a request because
 * Redis is down: each service falls back to its local, in-memory state (see `RedisClient`).
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import type { CooldownPolicy } from "./Cooldowns.ts"
import type { RouterState } from "./index.ts"
import type { SessionAffinity, SessionAffinityOptions } from "./SessionAffinity.ts"
import type { LatencyWindow } from "./LatencyStats.ts"
import * as RedisClient from "./RedisClient.ts"
import * as RedisCooldowns from "./RedisCooldowns.ts"
import * as RedisInFlight from "./RedisInFlight.ts"
import * as RedisLatencyStats from "./RedisLatencyStats.ts"
import * as RedisSessionAffinity from "./RedisSessionAffinity.ts"
import * as RedisSpendTracker from "./RedisSpendTracker.ts"
import * as RedisUsageCounters from "./RedisUsageCounters.ts"

/**
 * Options of the Redis state layer.
 * @since 0.1.0
 */
export interface RedisStateOptions extends RedisClient.RedisOptions {
  readonly cooldownPolicy?: CooldownPolicy
  readonly latencyWindow?: LatencyWindow
  readonly sessions?: SessionAffinityOptions
}

/**
 * All state services (and session affinity) over Redis (one connection, closed when the layer's scope ends).
 *
 * @example
 * import { Effect } from "effect"
 * import { RedisState } from "effect-llm-router/state"
 *
 * const StateLive = RedisState.layerRedis({ url: "redis://127.0.0.1:6379", keyPrefix: "llm-router:prod:" })
 * program.pipe(Effect.provide(StateLive))
 *
 * @since 0.1.0
 */
export const layerRedis = (options: RedisStateOptions): Layer.Layer<RouterState | SessionAffinity> =>
  Layer.mergeAll(
    RedisCooldowns.layer(options.cooldownPolicy),
    RedisInFlight.layer,
    RedisLatencyStats.layer(options.latencyWindow),
    RedisSpendTracker.layer,
    RedisUsageCounters.layer,
    RedisSessionAffinity.layer(options.sessions)
  ).pipe(Layer.provide(RedisClient.layer(options)))
