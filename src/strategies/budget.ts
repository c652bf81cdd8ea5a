/**
 * `budget`: drops deployments whose spend in the current window has reached a budget, per
 * deployment and/or per provider, as counted by the `SpendTracker`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Deployment } from "../core/Deployment.ts"
import { SpendTracker } from "../state/SpendTracker.ts"
import { filterStrategy } from "./Filter.ts"
import * as Format from "./Format.ts"
import type { Strategy } from "./Strategy.ts"

/**
 * The windows spend is tracked in (see `trackedWindowsMs` in `SpendTracker`). Windows are fixed
 * (aligned on the epoch), not sliding.
 *
 * @since 0.1.0
 */
export const budgetWindows = {
  "1 minute": 60_000,
  "1 hour": 3_600_000,
  "1 day": 86_400_000,
  "30 days": 2_592_000_000
} as const

/** @since 0.1.0 */
export type BudgetWindow = keyof typeof budgetWindows

/**
 * One budget: at most `maxUsd` per `window`, for each deployment or each provider (or only the one
 * named by `name`).
 *
 * @since 0.1.0
 */
export interface BudgetLimit {
  readonly scope: "deployment" | "provider"
  /** Applies only to this deployment id / provider; to every one when absent. */
  readonly name?: string
  readonly maxUsd: number
  readonly window: BudgetWindow
}

/**
 * The `SpendTracker` keys a deployment's spend is recorded under: `deployment:<id>` and
 * `provider:<provider>`. Whoever records spend after a call should use these.
 *
 * @since 0.1.0
 */
export const spendKeys = (deployment: Deployment): ReadonlyArray<string> => [
  `deployment:${deployment.id}`,
  `provider:${deployment.provider}`
]

const subject = (limit: BudgetLimit, deployment: Deployment): string | undefined => {
  const value = limit.scope === "deployment" ? deployment.id : deployment.provider
  return limit.name === undefined || limit.name === value ? value : undefined
}

const describeLimit = (limit: BudgetLimit): string =>
  `${limit.scope}${limit.name === undefined ? "" : ` ${limit.name}`} ≤ ${Format.usd(limit.maxUsd)} per ${limit.window}`

/**
 * Keeps the deployments under every budget that applies to them; a deployment is out once its spend
 * (or its provider's) in the current window reaches the budget.
 *
 * @example
 * import { Route, Strategies } from "effect-llm-router"
 *
 * const capped = Strategies.budget([
 *   { scope: "provider", name: "openai", maxUsd: 50, window: "1 day" },
 *   { scope: "deployment", maxUsd: 5, window: "1 hour" }
 * ])
 * const route = Route.pipeline(deployments, [capped, Strategies.costBased()])
 *
 * @since 0.1.0
 */
export const budget = (limits: ReadonlyArray<BudgetLimit>): Strategy<SpendTracker> =>
  filterStrategy(
    "budget",
    ({ deployment }) =>
      Effect.flatMap(SpendTracker, (tracker) =>
        Effect.map(
          Effect.forEach(limits, (limit) => {
            const name = subject(limit, deployment)
            if (name === undefined) return Effect.succeed(undefined)
            return Effect.map(
              tracker.spent(`${limit.scope}:${name}`, budgetWindows[limit.window]),
              (spent) =>
                spent >= limit.maxUsd
                  ? `${limit.scope} ${name} spent ${Format.usd(spent)} of ${Format.usd(limit.maxUsd)} this ${limit.window} window`
                  : undefined
            )
          }),
          (reasons) => {
            const over = reasons.filter((reason): reason is string => reason !== undefined)
            return over.length === 0 ? undefined : over.join("; ")
          }
        )
      ),
    () => `budgets ${Format.list(limits.map(describeLimit))}`
  )
