/**
 * Failover: retry schedules, fallback chains, circuit breaking, hedging and stream failover, and
 * the `Runner` that executes a plan with them.
 * @since 0.1.0
 */
export * as Runner from "./Runner.ts"
export * as RetrySchedule from "./RetrySchedule.ts"
export * as Fallbacks from "./Fallbacks.ts"
export * as PlanExecutor from "./PlanExecutor.ts"
export * as Trace from "./Trace.ts"
