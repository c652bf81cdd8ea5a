/**
 * The routing decision in response headers, so any OpenAI client can see what the router did
 * without parsing anything but headers:
 *
 * | header | value |
 * |---|---|
 * | `x-router-route` | the route (or RouteLLM name) that planned the request |
 * | `x-router-deployment` | the deployment that answered |
 * | `x-router-model` | that deployment's model |
 * | `x-router-attempts` | deployment calls made (retries and fallbacks included) |
 * | `x-router-failures` | `deployment=Kind` for every failed attempt, in order |
 * | `x-router-win-rate` | the quality router's win rate, on threshold routes |
 * | `x-router-strong` | whether the strong side was chosen, on threshold routes |
 * | `x-router-cost-usd` | the cost of the answer (non-streaming; when prices are known) |
 * | `x-router-latency-ms` | time to the answer (streams: to the first chunk) |
 * | `x-router-ttft-ms` | streams: time to the first content chunk |
 *
 * A request on which every attempt failed gets the route, win rate, side, attempts and failures.
 *
 * @since 0.1.0
 */
import type { Deployment } from "../core/Deployment.ts"
import type { AllAttemptsFailed } from "../core/Errors.ts"
import type { Plan } from "../core/Plan.ts"
import type { RunTrace } from "../fallback/Trace.ts"
import { attemptsMade } from "../fallback/Trace.ts"

/**
 * Headers from a plan alone (route-only endpoint, and before a run).
 * @since 0.1.0
 */
export const fromPlan = (plan: Plan): Record<string, string> => ({
  "x-router-route": plan.route,
  ...(plan.winRate === undefined ? {} : { "x-router-win-rate": plan.winRate.toFixed(4) }),
  ...(plan.strong === undefined ? {} : { "x-router-strong": String(plan.strong) })
})

/**
 * Headers for a run: the plan's, plus what the trace says happened.
 *
 * @example
 * import { DecisionHeaders } from "effect-llm-router/server"
 *
 * const headers = DecisionHeaders.fromRun(plan, result.deployment, result.trace)
 * // { "x-router-deployment": "gpt-4o-mini@openai", "x-router-attempts": "2", ... }
 *
 * @since 0.1.0
 */
export const fromRun = (plan: Plan, deployment: Deployment, trace: RunTrace): Record<string, string> => {
  const failed = trace.attempts.flatMap((attempt) =>
    attempt.failure === undefined ? [] : [`${attempt.deployment}=${attempt.failure}`]
  )
  return {
    ...fromPlan(plan),
    "x-router-deployment": deployment.id,
    "x-router-model": deployment.model,
    "x-router-attempts": String(attemptsMade(trace)),
    ...failuresHeader(failed),
    ...(trace.costUsd === undefined ? {} : { "x-router-cost-usd": trace.costUsd.toFixed(8) }),
    "x-router-latency-ms": String(Math.round(trace.latencyMs)),
    ...(trace.timeToFirstTokenMs === undefined
      ? {}
      : { "x-router-ttft-ms": String(Math.round(trace.timeToFirstTokenMs)) })
  }
}

const failuresHeader = (failed: ReadonlyArray<string>): Record<string, string> =>
  failed.length === 0 ? {} : { "x-router-failures": failed.join(", ") }

/**
 * Headers for a request on which every attempt failed: the plan's (when the error carries it, see
 * `AllAttemptsFailed.plan`), the attempts made and each failure.
 *
 * @since 0.1.0
 */
export const fromFailure = (error: AllAttemptsFailed): Record<string, string> => ({
  ...(error.plan === undefined ? { "x-router-route": error.route } : fromPlan(error.plan)),
  "x-router-attempts": String(error.failures.length),
  ...failuresHeader(error.failures.map((failure) => `${failure.deployment}=${failure._tag}`))
})
