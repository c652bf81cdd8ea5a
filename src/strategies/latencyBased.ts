/**
 * `latencyBased`: LiteLLM's lowest-latency routing. Deployments with no measurements yet are tried
 * first (so that they get measured); then a random one among those within a buffer of the fastest
 * (so that load spreads over near-equals); then the rest, fastest first.
 *
 * @since 0.1.0
 */
import { Chunk, Effect, Option, Random } from "effect"
import { LatencyStats } from "../state/LatencyStats.ts"
import * as Format from "./Format.ts"
import type { Candidate, Strategy } from "./Strategy.ts"
import { scored } from "./Strategy.ts"

/**
 * Settings of latency-based ordering.
 *
 * @since 0.1.0
 */
export interface LatencyBasedOptions {
  /**
   * Deployments within this fraction of the fastest are treated as equally fast and shuffled
   * (LiteLLM's `lowest_latency_buffer`). Default 0.1 (10%); 0 always puts the fastest first.
   */
  readonly bufferFraction?: number
  /**
   * What "latency" means: `auto` (default) uses time to first token for streaming requests and
   * latency per output token otherwise.
   */
  readonly measure?: "auto" | "perOutputToken" | "timeToFirstToken"
  /**
   * Samples a deployment needs before its latency is trusted; below that it is explored first.
   * A deployment's first call pays for connection setup, so one sample would condemn it. Default 3.
   */
  readonly minSamples?: number
}

/** @since 0.1.0 */
export const defaultBufferFraction = 0.1

/** @since 0.1.0 */
export const defaultMinSamples = 3

interface Measured {
  readonly candidate: Candidate
  readonly latency: number
}

/**
 * Orders candidates by measured latency from the `LatencyStats` rolling window: untried first (in a
 * random order), then the ones within `bufferFraction` of the fastest (in a random order), then the
 * rest by latency. Randomness comes from `Random`.
 *
 * @example
 * import { Route, Strategies } from "effect-llm-router"
 *
 * // Summary in a plan: "latency (ms/token): gpt-4o@azure 41 ms/token (fastest), gpt-4o@openai 55 ms/token; ..."
 * const route = Route.loadBalance(Strategies.latencyBased({ bufferFraction: 0.1 }), [azure, openai])
 *
 * @since 0.1.0
 */
export const latencyBased = (options: LatencyBasedOptions = {}): Strategy<LatencyStats> => {
  const buffer = options.bufferFraction ?? defaultBufferFraction
  const minSamples = options.minSamples ?? defaultMinSamples
  return {
    name: "latency",
    apply: (candidates, context) =>
      Effect.gen(function* () {
        const stats = yield* LatencyStats
        const firstToken =
          options.measure === "timeToFirstToken" ||
          (options.measure !== "perOutputToken" && context.request.stream === true)
        const unit = firstToken ? "ms to first token" : "ms/token"
        const untried: Array<Candidate> = []
        const tried: Array<Measured> = []
        for (const candidate of candidates) {
          const summary = yield* stats.get(candidate.deployment.id)
          const latency = Option.flatMap(summary, (s) =>
            firstToken ? Option.fromNullable(s.meanTimeToFirstTokenMs) : Option.some(s.msPerOutputToken)
          )
          const samples = Option.match(summary, { onNone: () => 0, onSome: (s) => s.samples })
          if (Option.isNone(latency) || samples < minSamples) {
            untried.push({
              ...candidate,
              reasons: [
                ...candidate.reasons,
                Option.isNone(latency)
                  ? `latency: no ${firstToken ? "time-to-first-token" : "latency"} samples yet; explored first`
                  : `latency: ${samples} of ${minSamples} samples needed; explored first`
              ]
            })
          } else {
            tried.push({ candidate, latency: latency.value })
          }
        }
        const byLatency = [...tried].sort((a, b) => a.latency - b.latency)
        const fastest = byLatency[0]?.latency ?? 0
        const near = byLatency.filter((entry) => entry.latency <= fastest * (1 + buffer))
        const rest = byLatency.filter((entry) => entry.latency > fastest * (1 + buffer))
        const shuffledUntried = Chunk.toReadonlyArray(yield* Random.shuffle(untried))
        const shuffledNear = Chunk.toReadonlyArray(yield* Random.shuffle(near))
        const text = (latency: number) => `${Format.ms(latency)}${firstToken ? " to first token" : "/token"}`
        const withScore = (entry: Measured) =>
          scored(
            entry.candidate,
            "latency",
            entry.latency,
            `latency: ${text(entry.latency)}${entry.latency <= fastest * (1 + buffer) ? ` (within ${Format.percent(buffer)} of fastest)` : ""}`
          )
        const ordered = [...shuffledUntried, ...shuffledNear.map(withScore), ...rest.map(withScore)]
        return {
          candidates: ordered,
          removed: [],
          summary:
            `latency (${unit}): ` +
            Format.list(
              byLatency.map(
                (entry, index) =>
                  `${entry.candidate.deployment.id} ${text(entry.latency)}${index === 0 ? " (fastest)" : ""}`
              )
            ) +
            (near.length > 1
              ? `; within ${Format.percent(buffer)} of fastest, in random order: ${shuffledNear.map((e) => e.candidate.deployment.id).join(", ")}`
              : "") +
            `; untried first: ${Format.list(shuffledUntried.map((c) => c.deployment.id))}`
        }
      })
  }
}
