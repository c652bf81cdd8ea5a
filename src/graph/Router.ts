/**
 * `Router`: plan a request over a route (and, with the failover module, run it).
 *
 * @since 0.1.0
 */
export { plan } from "./Planner.ts"
export type { PlanOptions } from "./Planner.ts"
export { toJson as planToJson, toText as planToText } from "./PlanFormat.ts"
