/**
 * Strategies (narrow and order candidate deployments) and classifiers (pick a named sub-route),
 * with their config specs. Meant to be imported as a namespace:
 *
 * @example
 * import { Route, Strategies } from "effect-llm-router"
 *
 * const route = Route.pipeline(deployments, [
 *   Strategies.capabilities(),
 *   Strategies.contextWindow(),
 *   Strategies.latencyBased({ bufferFraction: 0.1 })
 * ])
 *
 * @since 0.1.0
 */
export * from "./Strategy.ts"
export * from "./Prices.ts"
export * from "./Filter.ts"
export * as Format from "./Format.ts"
export * from "./tokenCount.ts"
export * from "./keyword.ts"
export * from "./keywordRules.ts"
export * from "./semantic.ts"
export * from "./contextWindow.ts"
export * from "./tags.ts"
export * from "./capabilities.ts"
export * from "./budget.ts"
export * from "./usageBased.ts"
export * from "./leastBusy.ts"
export * from "./weightedShuffle.ts"
export * from "./costBased.ts"
export * from "./latencyBased.ts"
export * from "./fromConfig.ts"
