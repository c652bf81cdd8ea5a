/**
 * Cooldowns as a circuit breaker per deployment: too many failures in a window open the circuit
 * (the deployment is left out of plans) for a cooldown time; after it, one probe request is let
 * through (half-open); its success closes the circuit, its failure opens it again.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer } from "effect"
import type { FailureKind } from "../core/Errors.ts"

/**
 * When to open the circuit and for how long.
 * @since 0.1.0
 */
export interface CooldownPolicy {
  /** Failures within `windowMs` that open the circuit. */
  readonly failuresToOpen: number
  readonly windowMs: number
  readonly cooldownMs: number
  /** Failure kinds that open the circuit at once, for `longCooldownMs` (bad key, unknown model). */
  readonly severeKinds: ReadonlyArray<FailureKind>
  readonly longCooldownMs: number
  /** Failure kinds that count at all; a bad request is the caller's fault, not the deployment's. */
  readonly countedKinds: ReadonlyArray<FailureKind>
}

/** @since 0.1.0 */
export const defaultCooldownPolicy: CooldownPolicy = {
  failuresToOpen: 3,
  windowMs: 60_000,
  cooldownMs: 30_000,
  severeKinds: ["AuthFailed"],
  longCooldownMs: 5 * 60_000,
  countedKinds: [
    "RateLimited",
    "Timeout",
    "Unavailable",
    "MalformedResponse",
    "AuthFailed",
    "StreamInterrupted"
  ]
}

/**
 * A deployment's circuit, as planning sees it.
 * @since 0.1.0
 */
export type CircuitState =
  | { readonly _tag: "Closed" }
  | { readonly _tag: "Open"; readonly untilMs: number; readonly reason: string }
  | { readonly _tag: "HalfOpen" }

/** @since 0.1.0 */
export interface CooldownsShape {
  readonly policy: CooldownPolicy
  readonly state: (deployment: string) => Effect.Effect<CircuitState>
  /**
   * Asks to send a request to the deployment: `true` when closed, and for exactly one caller while
   * half-open (the probe); `false` while open.
   */
  readonly acquire: (deployment: string) => Effect.Effect<boolean>
  readonly recordFailure: (deployment: string, kind: FailureKind) => Effect.Effect<void>
  readonly recordSuccess: (deployment: string) => Effect.Effect<void>
}

/**
 * Per-deployment circuit breakers.
 * @since 0.1.0
 */
export class Cooldowns extends Context.Tag("effect-llm-router/Cooldowns")<Cooldowns, CooldownsShape>() {}

interface Circuit {
  failures: Array<number>
  openUntil: number
  reason: string
  probing: boolean
  /** When the probe was let through: a probe that never reports back (cancelled) expires. */
  probeAt: number
}

/** @since 0.1.0 */
export const makeMemory = (policy: CooldownPolicy = defaultCooldownPolicy): CooldownsShape => {
  const circuits = new Map<string, Circuit>()
  const circuit = (deployment: string): Circuit => {
    let entry = circuits.get(deployment)
    if (entry === undefined) {
      entry = { failures: [], openUntil: 0, reason: "", probing: false, probeAt: 0 }
      circuits.set(deployment, entry)
    }
    return entry
  }
  const stateAt = (entry: Circuit, now: number): CircuitState =>
    entry.openUntil === 0
      ? { _tag: "Closed" }
      : now < entry.openUntil
        ? { _tag: "Open", untilMs: entry.openUntil, reason: entry.reason }
        : { _tag: "HalfOpen" }
  return {
    policy,
    state: (deployment) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        stateAt(circuits.get(deployment) ?? circuit(deployment), now)
      ),
    acquire: (deployment) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const entry = circuit(deployment)
        const state = stateAt(entry, now)
        if (state._tag === "Closed") return true
        if (state._tag === "Open") return false
        if (entry.probing && now - entry.probeAt < policy.cooldownMs) return false
        entry.probing = true
        entry.probeAt = now
        return true
      }),
    recordFailure: (deployment, kind) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (!policy.countedKinds.includes(kind)) return
        const entry = circuit(deployment)
        const wasProbing = entry.probing || (entry.openUntil !== 0 && now >= entry.openUntil)
        entry.probing = false
        entry.failures = entry.failures.filter((at) => now - at < policy.windowMs)
        entry.failures.push(now)
        if (policy.severeKinds.includes(kind)) {
          entry.openUntil = now + policy.longCooldownMs
          entry.reason = `${kind}: cooling down for ${policy.longCooldownMs} ms`
        } else if (wasProbing || entry.failures.length >= policy.failuresToOpen) {
          entry.openUntil = now + policy.cooldownMs
          entry.reason = wasProbing
            ? `probe failed with ${kind}: cooling down for ${policy.cooldownMs} ms`
            : `${entry.failures.length} failures in ${policy.windowMs} ms (last: ${kind}): cooling down for ${policy.cooldownMs} ms`
        }
      }),
    recordSuccess: (deployment) =>
      Effect.sync(() => {
        const entry = circuits.get(deployment)
        if (entry === undefined) return
        entry.failures = []
        entry.openUntil = 0
        entry.reason = ""
        entry.probing = false
      })
  }
}

/** @since 0.1.0 */
export const layerMemory = (policy?: CooldownPolicy): Layer.Layer<Cooldowns> =>
  Layer.sync(Cooldowns, () => makeMemory(policy))
