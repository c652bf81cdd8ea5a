/**
 * The two shapes of routing decision that live below the graph:
 * - a `Strategy` narrows and orders a list of candidate deployments (filters and load balancers);
 * - a `Classifier` picks one named sub-route for a request (token count, keywords, semantics).
 *
 * Both are pure decisions over the request and routing state; neither ever calls an LLM.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import type { Deployment } from "../core/Deployment.ts"
import type { RoutingContext } from "../core/RoutingContext.ts"
import type { RouterError } from "../routers/WinRateRouter.ts"

/**
 * A deployment under consideration, with the scores strategies gave it so far.
 *
 * @since 0.1.0
 */
export interface Candidate {
  readonly deployment: Deployment
  readonly scores: Readonly<Record<string, number>>
  readonly reasons: ReadonlyArray<string>
}

/**
 * A deployment a strategy took out, and why.
 *
 * @since 0.1.0
 */
export interface Removal {
  readonly deployment: string
  readonly reason: string
}

/**
 * What a strategy did to the candidate list.
 *
 * @since 0.1.0
 */
export interface StrategyOutcome {
  /** The candidates left, in the order to try them. */
  readonly candidates: ReadonlyArray<Candidate>
  readonly removed: ReadonlyArray<Removal>
  /** One line for the trace: how it decided. */
  readonly summary: string
}

/**
 * Narrows and/or orders candidates for one request. `R` is the state it reads (e.g. `LatencyStats`).
 *
 * @since 0.1.0
 */
export interface Strategy<R = never> {
  readonly name: string
  readonly apply: (
    candidates: ReadonlyArray<Candidate>,
    context: RoutingContext
  ) => Effect.Effect<StrategyOutcome, never, R>
}

/**
 * A classifier's verdict: the name of the sub-route to take, and why.
 *
 * @since 0.1.0
 */
export interface Classification {
  readonly choice: string
  readonly summary: string
  readonly scores?: Readonly<Record<string, number>>
}

/**
 * Picks a named sub-route for a request.
 *
 * @since 0.1.0
 */
export interface Classifier<R = never> {
  readonly name: string
  /** The choices it can return, so a route can check it has a sub-route for each. */
  readonly choices: ReadonlyArray<string>
  readonly classify: (context: RoutingContext) => Effect.Effect<Classification, RouterError, R>
}

/**
 * Wraps a deployment as a fresh candidate.
 *
 * @since 0.1.0
 */
export const candidate = (deployment: Deployment): Candidate => ({ deployment, scores: {}, reasons: [] })

/**
 * Adds a score (and optionally a reason) to a candidate.
 *
 * @since 0.1.0
 */
export const scored = (
  candidate: Candidate,
  strategy: string,
  score: number,
  reason?: string
): Candidate => ({
  deployment: candidate.deployment,
  scores: { ...candidate.scores, [strategy]: score },
  reasons: reason === undefined ? candidate.reasons : [...candidate.reasons, reason]
})
