/**
 * Session affinity: which deployment answered a conversation's earlier turns, so that its next
 * turns go there too and a chat does not switch models mid-way. Bindings are keyed by session and
 * route, expire `ttl` after their last use (time from `Clock`), and the oldest are evicted beyond
 * `maxSessions`.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Option } from "effect"

/**
 * Where a session is bound.
 * @since 0.1.0
 */
export interface Binding {
  /** Id of the deployment that answered the session's last turn on this route. */
  readonly deployment: string
  readonly boundAtMs: number
  readonly expiresAtMs: number
}

/**
 * Settings of the in-memory layer.
 * @since 0.1.0
 */
export interface SessionAffinityOptions {
  /** How long a binding lives after its last use (default 30 minutes). */
  readonly ttl?: Duration.DurationInput
  /** Most sessions remembered; the least recently used are forgotten first (default 10,000). */
  readonly maxSessions?: number
}

/**
 * The session-affinity contract.
 * @since 0.1.0
 */
export interface SessionAffinityShape {
  readonly ttlMs: number
  /** The live binding of a session on a route; reading it extends its life by `ttl`. */
  readonly lookup: (session: string, route: string) => Effect.Effect<Option.Option<Binding>>
  /** Binds (or re-binds) a session on a route to the deployment that just answered it. */
  readonly bind: (session: string, route: string, deployment: string) => Effect.Effect<Binding>
  /** Forgets a session on one route, or on every route. */
  readonly forget: (session: string, route?: string) => Effect.Effect<void>
}

/**
 * The session-affinity service.
 *
 * @example
 * import { Effect } from "effect"
 * import { SessionAffinity } from "effect-llm-router"
 *
 * const program = Effect.gen(function* () {
 *   const sessions = yield* SessionAffinity.SessionAffinity
 *   yield* sessions.bind("chat-42", "main", "gpt-4o@openai")
 *   return yield* sessions.lookup("chat-42", "main") // Option.some({ deployment: "gpt-4o@openai", ... })
 * }).pipe(Effect.provide(SessionAffinity.layerMemory()))
 *
 * @since 0.1.0
 */
export class SessionAffinity extends Context.Tag("effect-llm-router/SessionAffinity")<
  SessionAffinity,
  SessionAffinityShape
>() {}

/** @since 0.1.0 */
export const defaultTtl: Duration.Duration = Duration.minutes(30)

/** @since 0.1.0 */
export const defaultMaxSessions = 10_000

// A NUL byte cannot appear in a route name from a config file, so keys do not collide.
const keyOf = (session: string, route: string) => `${route}\u0000${session}`

/**
 * Builds an in-memory store. The map keeps insertion order, and every use re-inserts its key, so
 * the first key is always the least recently used one.
 * @since 0.1.0
 */
export const make = (options: SessionAffinityOptions = {}): SessionAffinityShape => {
  const ttlMs = Duration.toMillis(Duration.decode(options.ttl ?? defaultTtl))
  const maxSessions = Math.max(1, options.maxSessions ?? defaultMaxSessions)
  const bindings = new Map<string, Binding>()
  const touch = (key: string, binding: Binding) => {
    bindings.delete(key)
    bindings.set(key, binding)
    while (bindings.size > maxSessions) {
      const oldest = bindings.keys().next()
      if (oldest.done === true) break
      bindings.delete(oldest.value)
    }
    return binding
  }
  return {
    ttlMs,
    lookup: (session, route) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const key = keyOf(session, route)
        const binding = bindings.get(key)
        if (binding === undefined) return Option.none()
        if (binding.expiresAtMs <= now) {
          bindings.delete(key)
          return Option.none()
        }
        return Option.some(touch(key, { ...binding, expiresAtMs: now + ttlMs }))
      }),
    bind: (session, route, deployment) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        touch(keyOf(session, route), { deployment, boundAtMs: now, expiresAtMs: now + ttlMs })
      ),
    forget: (session, route) =>
      Effect.sync(() => {
        if (route !== undefined) {
          bindings.delete(keyOf(session, route))
          return
        }
        for (const key of [...bindings.keys()]) {
          if (key.endsWith(`\u0000${session}`)) bindings.delete(key)
        }
      })
  }
}

/**
 * Session affinity in process memory (one router process; nothing shared between processes).
 * @since 0.1.0
 */
export const layerMemory = (options: SessionAffinityOptions = {}): Layer.Layer<SessionAffinity> =>
  Layer.sync(SessionAffinity, () => make(options))
