/**
 * The decision trace of a run: every attempt (made, skipped or cancelled) with its outcome, and
 * which deployment answered with what tokens, cost, latency and time to first token. The server
 * returns it in response headers; benchmarks read attempts per request from it.
 *
 * @since 0.1.0
 */
import type { ChatCompletionResponse, Usage } from "../core/ChatCompletion.ts"
import type { Deployment } from "../core/Deployment.ts"
import type { FailureKind } from "../core/Errors.ts"

/**
 * One attempt of a run.
 *
 * - `succeeded`: answered (streams: finished properly);
 * - `failed`: failed before anything reached the caller;
 * - `interrupted`: a stream broke after chunks reached the caller;
 * - `streaming`: a stream that is still being delivered;
 * - `skipped`: not made (open circuit, spent attempt budget, too small a context window);
 * - `cancelled`: interrupted by the router (lost a hedge, overall deadline, caller went away).
 * @since 0.1.0
 */
export interface AttemptRecord {
  readonly deployment: string
  readonly path: string
  readonly outcome: "succeeded" | "failed" | "interrupted" | "streaming" | "skipped" | "cancelled"
  readonly failure?: FailureKind
  readonly message?: string
  readonly startedAtMs: number
  readonly latencyMs?: number
  readonly timeToFirstTokenMs?: number
}

/**
 * The trace of a whole run.
 * @since 0.1.0
 */
export interface RunTrace {
  readonly route: string
  readonly attempts: ReadonlyArray<AttemptRecord>
  /** Id of the deployment that answered. */
  readonly answeredBy?: string
  readonly usage?: Usage
  readonly usageSource?: "provider" | "counted"
  readonly costUsd?: number
  /** From the start of the run to the answer (streams: to the last chunk). */
  readonly latencyMs: number
  readonly timeToFirstTokenMs?: number
}

/**
 * The result of `Runner.run`.
 * @since 0.1.0
 */
export interface RunResult {
  readonly response: ChatCompletionResponse
  readonly deployment: Deployment
  readonly trace: RunTrace
}

/**
 * Attempts that actually called a deployment (not skipped).
 * @since 0.1.0
 */
export const attemptsMade = (trace: RunTrace): number =>
  trace.attempts.filter((a) => a.outcome !== "skipped").length
