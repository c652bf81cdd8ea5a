/** Small plan builders for tests (plans are plain data). */
import type { Deployment } from "../../src/core/Deployment.ts"
import type { FailureKind } from "../../src/core/Errors.ts"
import type { Attempt, Plan, PlanNode, RetryPolicy } from "../../src/core/Plan.ts"

export const attempt = (deployment: Deployment): Attempt => ({
  _tag: "Attempt",
  deployment,
  path: deployment.id,
  reasons: [],
  scores: {}
})
export const sequence = (
  steps: ReadonlyArray<PlanNode>,
  fallbackOn?: ReadonlyArray<FailureKind>
): PlanNode => ({
  _tag: "Sequence",
  path: "fallback",
  steps,
  ...(fallbackOn ? { fallbackOn } : {})
})
export const retry = (node: PlanNode, policy: Partial<RetryPolicy> = {}): PlanNode => ({
  _tag: "Retry",
  path: "retry",
  node,
  policy: {
    times: 2,
    baseDelayMs: 10,
    maxDelayMs: 1_000,
    jitter: 0,
    retryOn: ["RateLimited", "Timeout", "Unavailable", "MalformedResponse"],
    honourRetryAfter: true,
    ...policy
  }
})
export const hedge = (delayMs: number, steps: ReadonlyArray<PlanNode>): PlanNode => ({
  _tag: "Hedge",
  path: "hedge",
  delayMs,
  steps
})
export const timeout = (ms: number, node: PlanNode): PlanNode => ({
  _tag: "Timeout",
  path: "timeout",
  ms,
  node
})
export const plan = (root: PlanNode): Plan => ({ route: "test-route", root, decisions: [] })
