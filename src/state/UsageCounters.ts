/**
 * Requests and tokens per deployment in the current minute, for rpm/tpm limits (`usageBased`).
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer } from "effect"

/** @since 0.1.0 */
export interface MinuteUsage {
  readonly requests: number
  readonly tokens: number
}

/** @since 0.1.0 */
export interface UsageCountersShape {
  /** Counts one request and its tokens against the current minute. */
  readonly record: (deployment: string, tokens: number) => Effect.Effect<void>
  readonly current: (deployment: string) => Effect.Effect<MinuteUsage>
}

/**
 * Per-minute usage counters.
 * @since 0.1.0
 */
export class UsageCounters extends Context.Tag("effect-llm-router/UsageCounters")<
  UsageCounters,
  UsageCountersShape
>() {}

/**
 * The minute a timestamp falls in (used as a bucket key by every layer).
 * @since 0.1.0
 */
export const minuteOf = (millis: number): number => Math.floor(millis / 60_000)

/** @since 0.1.0 */
export const makeMemory = (): UsageCountersShape => {
  const buckets = new Map<string, { minute: number; requests: number; tokens: number }>()
  const bucket = (deployment: string, minute: number) => {
    const existing = buckets.get(deployment)
    if (existing !== undefined && existing.minute === minute) return existing
    const fresh = { minute, requests: 0, tokens: 0 }
    buckets.set(deployment, fresh)
    return fresh
  }
  return {
    record: (deployment, tokens) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const entry = bucket(deployment, minuteOf(now))
        entry.requests += 1
        entry.tokens += tokens
      }),
    current: (deployment) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const entry = bucket(deployment, minuteOf(now))
        return { requests: entry.requests, tokens: entry.tokens }
      })
  }
}

/** @since 0.1.0 */
export const layerMemory: Layer.Layer<UsageCounters> = Layer.sync(UsageCounters, makeMemory)
