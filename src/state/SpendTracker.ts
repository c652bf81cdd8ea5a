/**
 * Money spent per deployment and per provider in fixed windows, for the `budget` strategy.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer } from "effect"

/** @since 0.1.0 */
export interface SpendTrackerShape {
  /** Adds a cost in USD under each key (e.g. `deployment:gpt-4o@openai`, `provider:openai`). */
  readonly record: (keys: ReadonlyArray<string>, costUsd: number) => Effect.Effect<void>
  /** USD spent under a key in the current window of the given length. */
  readonly spent: (key: string, windowMs: number) => Effect.Effect<number>
}

/**
 * Spend per key per window.
 * @since 0.1.0
 */
export class SpendTracker extends Context.Tag("effect-llm-router/SpendTracker")<
  SpendTracker,
  SpendTrackerShape
>() {}

/**
 * Windows the tracker keeps: every budget window must be one of these so that spend is counted
 * where it will be read.
 * @since 0.1.0
 */
export const trackedWindowsMs: ReadonlyArray<number> = [60_000, 3_600_000, 86_400_000, 2_592_000_000]

/** @since 0.1.0 */
export const makeMemory = (): SpendTrackerShape => {
  const totals = new Map<string, number>()
  const bucketKey = (key: string, windowMs: number, now: number) =>
    `${key}|${windowMs}|${Math.floor(now / windowMs)}`
  return {
    record: (keys, costUsd) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        for (const key of keys) {
          for (const windowMs of trackedWindowsMs) {
            const id = bucketKey(key, windowMs, now)
            totals.set(id, (totals.get(id) ?? 0) + costUsd)
          }
        }
      }),
    spent: (key, windowMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => totals.get(bucketKey(key, windowMs, now)) ?? 0)
  }
}

/** @since 0.1.0 */
export const layerMemory: Layer.Layer<SpendTracker> = Layer.sync(SpendTracker, makeMemory)
