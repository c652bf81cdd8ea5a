/**
 * What planning produces: a tree of attempts with the failover structure of the route, plus the
 * decisions that led there. A plan is plain data: it can be printed, returned by a route-only
 * endpoint, and executed later by `Router.run`.
 *
 * @since 0.1.0
 */
import type { Deployment } from "./Deployment.ts"
import type { FailureKind } from "./Errors.ts"

/**
 * How to retry one step of a plan. Turned into an Effect `Schedule` by the failover module.
 *
 * @since 0.1.0
 */
export interface RetryPolicy {
  /** Retries after the first try (0 = no retry). */
  readonly times: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** Randomise each delay by up to this fraction (0..1). */
  readonly jitter: number
  /** Failure kinds worth retrying on the same step. */
  readonly retryOn: ReadonlyArray<FailureKind>
  /** Wait as long as the provider's Retry-After says, up to `maxDelayMs`. */
  readonly honourRetryAfter: boolean
}

/**
 * The default retry policy: two retries of transient failures, exponential from 200 ms with jitter.
 *
 * @since 0.1.0
 */
export const defaultRetryPolicy: RetryPolicy = {
  times: 2,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  jitter: 0.2,
  retryOn: ["RateLimited", "Timeout", "Unavailable", "MalformedResponse"],
  honourRetryAfter: true
}

/**
 * A single call of one deployment, with why it was chosen.
 *
 * @since 0.1.0
 */
export interface Attempt {
  readonly _tag: "Attempt"
  readonly deployment: Deployment
  /** Where in the route graph this attempt comes from, e.g. `fallback[0].threshold.strong`. */
  readonly path: string
  /** Human-readable reasons, outermost decision first. */
  readonly reasons: ReadonlyArray<string>
  /** Scores strategies gave this deployment, by strategy name. */
  readonly scores: Readonly<Record<string, number>>
}

/**
 * Try each step in order until one succeeds (fallback and load-balanced candidate lists).
 *
 * @since 0.1.0
 */
export interface Sequence {
  readonly _tag: "Sequence"
  readonly path: string
  readonly steps: ReadonlyArray<PlanNode>
  /** Only move to the next step on these failure kinds; `undefined` means on any failure. */
  readonly fallbackOn?: ReadonlyArray<FailureKind>
}

/** @since 0.1.0 */
export interface RetryStep {
  readonly _tag: "Retry"
  readonly path: string
  readonly policy: RetryPolicy
  readonly node: PlanNode
}

/** @since 0.1.0 */
export interface TimeoutStep {
  readonly _tag: "Timeout"
  readonly path: string
  readonly ms: number
  readonly node: PlanNode
}

/**
 * Start the first step; if it has not answered after `delayMs`, start the next one too; the first
 * success wins and the others are interrupted.
 *
 * @since 0.1.0
 */
export interface HedgeStep {
  readonly _tag: "Hedge"
  readonly path: string
  readonly delayMs: number
  readonly steps: ReadonlyArray<PlanNode>
}

/** @since 0.1.0 */
export type PlanNode = Attempt | Sequence | RetryStep | TimeoutStep | HedgeStep

/**
 * One decision taken while planning: a router score against its threshold, a branch taken, what a
 * filter removed, how a load balancer ordered its candidates.
 *
 * @since 0.1.0
 */
export interface Decision {
  readonly path: string
  readonly node: string
  readonly summary: string
  readonly removed?: ReadonlyArray<{ readonly deployment: string; readonly reason: string }>
  readonly scores?: Readonly<Record<string, number>>
}

/**
 * What stickiness did for a request that belongs to a session (a conversation).
 *
 * @since 0.1.0
 */
export interface SessionDecision {
  readonly key: string
  /** Whether the plan starts with the deployment that answered the session's earlier turns. */
  readonly stuck: boolean
  /** That deployment, when one is on record. */
  readonly boundTo?: string
  readonly summary: string
}

/**
 * The result of `Router.plan`.
 *
 * @since 0.1.0
 */
export interface Plan {
  readonly route: string
  readonly root: PlanNode
  readonly decisions: ReadonlyArray<Decision>
  /** The win rate of the first threshold node on the chosen path, if any (for headers and metrics). */
  readonly winRate?: number
  /** Whether the first threshold node chose the strong side. */
  readonly strong?: boolean
  /** Stickiness, when the request belongs to a session. */
  readonly session?: SessionDecision
}

/**
 * The attempts of a plan in the order they would be tried when everything fails.
 *
 * @since 0.1.0
 */
export const attempts = (node: PlanNode): ReadonlyArray<Attempt> => {
  switch (node._tag) {
    case "Attempt":
      return [node]
    case "Sequence":
    case "Hedge":
      return node.steps.flatMap(attempts)
    case "Retry":
    case "Timeout":
      return attempts(node.node)
  }
}
