/**
 * Failover: retry schedules, fallback chains, circuit breaking, hedging and stream failover, and
 * the `Runner` that executes a plan with them.
 * @since 0.1.0
 */

/** Runs plans: `run`, `open`, `stream`. @since 0.1.0 */
export * as Runner from "./Runner.ts"
/** Retry policies as `Schedule`s. @since 0.1.0 */
export * as RetrySchedule from "./RetrySchedule.ts"
/** Fallback chains as plan values. @since 0.1.0 */
export * as Fallbacks from "./Fallbacks.ts"
/** The plan interpreter shared by `run` and `stream`. @since 0.1.0 */
export * as PlanExecutor from "./PlanExecutor.ts"
/** The decision trace of a run. @since 0.1.0 */
export * as Trace from "./Trace.ts"
