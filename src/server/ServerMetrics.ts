/**
 * What the server measures, as Effect `Metric`s (rendered by `GET /metrics` through
 * `Prometheus.render`): requests, attempts and failures by kind, latency and time-to-first-token
 * histograms, tokens and cost per deployment, and the strong/weak split of every threshold route.
 *
 * Labels only ever hold route names, deployment ids, failure kinds and status codes, never a
 * prompt, a key, or a name a caller made up (unknown models are counted under `route="-"`).
 *
 * @since 0.1.0
 */
import { Effect, Metric, MetricBoundaries } from "effect"
import type { RunTrace } from "../fallback/Trace.ts"
import * as Prometheus from "./Prometheus.ts"

const seconds = MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 15 })

/** @since 0.1.0 */
export const requests = Metric.counter("llm_router_requests_total", {
  description: "HTTP requests answered, by endpoint, route and status code"
})
/** @since 0.1.0 */
export const attempts = Metric.counter("llm_router_attempts_total", {
  description:
    "Deployment attempts, by route, deployment and outcome (succeeded, failed, interrupted, skipped, cancelled)"
})
/** @since 0.1.0 */
export const failures = Metric.counter("llm_router_failures_total", {
  description: "Failed deployment attempts, by deployment and failure kind"
})
/** @since 0.1.0 */
export const latency = Metric.histogram(
  "llm_router_request_duration_seconds",
  seconds,
  "Time from receiving a chat completion to its last byte, by route"
)
/** @since 0.1.0 */
export const timeToFirstToken = Metric.histogram(
  "llm_router_time_to_first_token_seconds",
  seconds,
  "Time from receiving a streamed chat completion to its first content chunk, by route and deployment"
)
/** @since 0.1.0 */
export const tokens = Metric.counter("llm_router_tokens_total", {
  description: "Tokens used, by deployment and type (prompt, completion)"
})
/** @since 0.1.0 */
export const cost = Metric.counter("llm_router_cost_usd_total", { description: "Cost in USD, by deployment" })
/** @since 0.1.0 */
export const thresholdDecisions = Metric.counter("llm_router_threshold_decisions_total", {
  description: "Threshold-route decisions, by route and side (strong, weak)"
})
/** @since 0.1.0 */
export const inFlight = Metric.gauge("llm_router_in_flight_requests", {
  description: "Requests being answered right now (streams included)"
})

/**
 * Counts one answered HTTP request.
 * @since 0.1.0
 */
export const recordRequest = (endpoint: string, route: string, status: number): Effect.Effect<void> =>
  Metric.update(
    requests.pipe(
      Metric.tagged("endpoint", endpoint),
      Metric.tagged("route", route),
      Metric.tagged("status", String(status))
    ),
    1
  )

/**
 * Counts a threshold decision (from a plan's `strong` flag).
 * @since 0.1.0
 */
export const recordThreshold = (route: string, strong: boolean | undefined): Effect.Effect<void> =>
  strong === undefined
    ? Effect.void
    : Metric.update(
        thresholdDecisions.pipe(
          Metric.tagged("route", route),
          Metric.tagged("side", strong ? "strong" : "weak")
        ),
        1
      )

/**
 * Records a finished run: its attempts and failures, and for the deployment that answered its
 * tokens, cost, latency and time to first token.
 * @since 0.1.0
 */
export const recordTrace = (route: string, trace: RunTrace): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (const attempt of trace.attempts) {
      yield* Metric.update(
        attempts.pipe(
          Metric.tagged("route", route),
          Metric.tagged("deployment", attempt.deployment),
          Metric.tagged("outcome", attempt.outcome)
        ),
        1
      )
      if (attempt.failure !== undefined) {
        yield* Metric.update(
          failures.pipe(
            Metric.tagged("deployment", attempt.deployment),
            Metric.tagged("kind", attempt.failure)
          ),
          1
        )
      }
    }
    const deployment = trace.answeredBy
    if (deployment === undefined) return
    if (trace.usage !== undefined) {
      yield* Metric.update(
        tokens.pipe(Metric.tagged("deployment", deployment), Metric.tagged("type", "prompt")),
        trace.usage.prompt_tokens
      )
      yield* Metric.update(
        tokens.pipe(Metric.tagged("deployment", deployment), Metric.tagged("type", "completion")),
        trace.usage.completion_tokens
      )
    }
    if (trace.costUsd !== undefined)
      yield* Metric.update(cost.pipe(Metric.tagged("deployment", deployment)), trace.costUsd)
    if (trace.timeToFirstTokenMs !== undefined) {
      yield* Metric.update(
        timeToFirstToken.pipe(Metric.tagged("route", route), Metric.tagged("deployment", deployment)),
        trace.timeToFirstTokenMs / 1000
      )
    }
  })

/**
 * Records the duration of a chat completion.
 * @since 0.1.0
 */
export const recordLatency = (route: string, millis: number): Effect.Effect<void> =>
  Metric.update(latency.pipe(Metric.tagged("route", route)), millis / 1000)

/**
 * The Prometheus text of every `llm_router_*` metric, plus `llm_router_strong_call_fraction` per threshold route
 * (strong decisions / all decisions), derived at scrape time.
 * @since 0.1.0
 */
export const exposition: Effect.Effect<string> = Effect.map(Prometheus.snapshot, (all) => {
  // Only the router's own series: the metric registry is process-wide.
  const pairs = all.filter((pair) => pair.metricKey.name.startsWith("llm_router_"))
  const sides = new Map<string, { strong: number; total: number }>()
  for (const pair of pairs) {
    if (pair.metricKey.name !== "llm_router_threshold_decisions_total") continue
    const tag = (key: string) => pair.metricKey.tags.find((label) => label.key === key)?.value
    const route = tag("route")
    const state = pair.metricState as { readonly count?: unknown }
    const count = typeof state.count === "number" ? state.count : 0
    if (route === undefined) continue
    const entry = sides.get(route) ?? { strong: 0, total: 0 }
    entry.total += count
    if (tag("side") === "strong") entry.strong += count
    sides.set(route, entry)
  }
  const fractions = [...sides].flatMap(([route, { strong, total }]) =>
    total === 0
      ? []
      : [Prometheus.sample("llm_router_strong_call_fraction", [["route", route]], strong / total)]
  )
  return Prometheus.render(pairs, [
    {
      name: "llm_router_strong_call_fraction",
      help: "Fraction of threshold-route requests sent to the strong side, by route",
      type: "gauge",
      lines: fractions
    }
  ])
})
