/**
 * Rolling latency statistics per deployment: what `latencyBased` load balancing reads and what
 * every finished call records.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer, Option } from "effect"

/**
 * One finished call.
 * @since 0.1.0
 */
export interface LatencySample {
  readonly latencyMs: number
  readonly outputTokens: number
  /** Time to first token, for streams. */
  readonly timeToFirstTokenMs?: number
}

/**
 * Averages over the rolling window.
 * @since 0.1.0
 */
export interface LatencySummary {
  readonly samples: number
  readonly meanLatencyMs: number
  /** Latency divided by output tokens (LiteLLM's measure), averaged. */
  readonly msPerOutputToken: number
  readonly meanTimeToFirstTokenMs?: number
}

/** @since 0.1.0 */
export interface LatencyStatsShape {
  readonly record: (deployment: string, sample: LatencySample) => Effect.Effect<void>
  readonly get: (deployment: string) => Effect.Effect<Option.Option<LatencySummary>>
}

/**
 * Rolling-window latency statistics.
 *
 * @since 0.1.0
 */
export class LatencyStats extends Context.Tag("effect-llm-router/LatencyStats")<
  LatencyStats,
  LatencyStatsShape
>() {}

/**
 * How many samples and how old a sample may be before it stops counting.
 * @since 0.1.0
 */
export interface LatencyWindow {
  readonly maxSamples: number
  readonly maxAgeMs: number
}

/** @since 0.1.0 */
export const defaultLatencyWindow: LatencyWindow = { maxSamples: 20, maxAgeMs: 60 * 60 * 1000 }

/**
 * Summarises timestamped samples (shared by the in-memory and Redis layers).
 * @since 0.1.0
 */
export const summarise = (
  samples: ReadonlyArray<LatencySample & { readonly at: number }>,
  now: number,
  window: LatencyWindow
): Option.Option<LatencySummary> => {
  const live = samples.filter((sample) => now - sample.at <= window.maxAgeMs).slice(-window.maxSamples)
  if (live.length === 0) return Option.none()
  const mean = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0) / values.length
  const ttfts = live.flatMap((s) => (s.timeToFirstTokenMs === undefined ? [] : [s.timeToFirstTokenMs]))
  return Option.some({
    samples: live.length,
    meanLatencyMs: mean(live.map((s) => s.latencyMs)),
    msPerOutputToken: mean(live.map((s) => s.latencyMs / Math.max(1, s.outputTokens))),
    ...(ttfts.length > 0 ? { meanTimeToFirstTokenMs: mean(ttfts) } : {})
  })
}

/**
 * An in-process implementation.
 * @since 0.1.0
 */
export const makeMemory = (window: LatencyWindow = defaultLatencyWindow): LatencyStatsShape => {
  const byDeployment = new Map<string, Array<LatencySample & { readonly at: number }>>()
  return {
    record: (deployment, sample) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const list = byDeployment.get(deployment) ?? []
        list.push({ ...sample, at: now })
        if (list.length > window.maxSamples) list.splice(0, list.length - window.maxSamples)
        byDeployment.set(deployment, list)
      }),
    get: (deployment) =>
      Effect.map(Clock.currentTimeMillis, (now) => summarise(byDeployment.get(deployment) ?? [], now, window))
  }
}

/** @since 0.1.0 */
export const layerMemory = (window?: LatencyWindow): Layer.Layer<LatencyStats> =>
  Layer.sync(LatencyStats, () => makeMemory(window))
