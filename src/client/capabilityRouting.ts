/**
 * Capability-aware routing for the client: every candidate set of a route goes through the
 * `capabilities` filter (`src/strategies/capabilities.ts`), so a request with tools, images, JSON
 * mode, a JSON schema or `stream: true` only reaches deployments that declare they can serve it,
 * and through the `contextWindow` filter, so that it only reaches deployments whose
 * `maxOutputTokens` covers the output it asks for and whose window holds it. When nothing is left,
 * the error says which capability was missing.
 *
 * @since 0.1.0
 */
import type { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { Capabilities } from "../core/Deployment.ts"
import { NoRouteAvailable } from "../core/Errors.ts"
import type { Route } from "../graph/Route.ts"
import type { Strategy } from "../strategies/Strategy.ts"
import { capabilities, requiredCapabilities } from "../strategies/capabilities.ts"
import { contextWindow } from "../strategies/contextWindow.ts"

/** The filters every candidate set goes through, unless the route already applies them. */
const filters = (): ReadonlyArray<Strategy> => [capabilities(), contextWindow()]

const withFilters = <R>(strategies: ReadonlyArray<Strategy<R>>): ReadonlyArray<Strategy<R>> => [
  ...filters().filter((filter) => !strategies.some((strategy) => strategy.name === filter.name)),
  ...strategies
]

const mapRecord = <A, B>(record: Readonly<Record<string, A>>, f: (a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]))

const cache = new WeakMap<object, object>()

/**
 * The same route with the capability filters in front of every candidate set: each pipeline gets
 * `capabilities()` and `contextWindow()` as its first strategies (unless it already has them) and
 * each bare deployment becomes a one-deployment pipeline with them. Structure, order and failover
 * are unchanged.
 *
 * @example
 * import { Route } from "effect-llm-router"
 * import { withCapabilityFilter } from "effect-llm-router/client"
 *
 * const safe = withCapabilityFilter(Route.fallback([textOnlyModel, visionModel]))
 * // A request with an image part now plans only visionModel.
 *
 * @since 0.1.0
 */
export const withCapabilityFilter = <R>(route: Route<R>): Route<R> => {
  const cached = cache.get(route)
  if (cached !== undefined) return cached as Route<R>
  const filtered = filterRoute(route)
  cache.set(route, filtered)
  return filtered
}

const filterRoute = <R>(route: Route<R>): Route<R> => {
  switch (route._tag) {
    case "Deployment":
      return { _tag: "Pipeline", deployments: [route.deployment], strategies: filters() }
    case "Pipeline":
      return { ...route, strategies: withFilters(route.strategies) }
    case "LoadBalance":
      return { ...route, targets: route.targets.map(withCapabilityFilter) }
    case "Threshold":
      return { ...route, strong: withCapabilityFilter(route.strong), weak: withCapabilityFilter(route.weak) }
    case "Select":
      return { ...route, options: mapRecord(route.options, withCapabilityFilter) }
    case "Branch":
      return { ...route, routes: mapRecord(route.routes, withCapabilityFilter) }
    case "Fallback":
    case "Hedge":
      return { ...route, routes: route.routes.map(withCapabilityFilter) }
    case "Retry":
    case "Timeout":
      return { ...route, route: withCapabilityFilter(route.route) }
  }
}

const lacksPattern = /^lacks (tools|vision|jsonMode|jsonSchema|streaming) \(/
const outputPattern = /^asks [0-9,]+ output tokens, max output /

/**
 * What a request can need of a deployment: a declared capability, or room for its output.
 * @since 0.1.0
 */
export type CapabilityRequirement = keyof Capabilities | "maxOutputTokens"

/**
 * The capabilities a planning failure is due to: those the request uses that the removed
 * deployments lack (and `maxOutputTokens` when they cannot generate the output asked for). Empty
 * when the failure had other causes (cooldowns, unknown route, ...).
 * @since 0.1.0
 */
export const missingCapabilities = (
  request: ChatCompletionRequest,
  error: NoRouteAvailable
): ReadonlyArray<CapabilityRequirement> => {
  const lacking = new Set<string>()
  let output = false
  for (const removal of error.removed) {
    for (const part of removal.reason.split("; ")) {
      const match = lacksPattern.exec(part)
      if (match?.[1] !== undefined) lacking.add(match[1])
      if (outputPattern.test(part)) output = true
    }
  }
  const declared: ReadonlyArray<CapabilityRequirement> = requiredCapabilities(request)
    .map((need) => need.capability)
    .filter((capability) => lacking.has(capability))
  return output ? [...declared, "maxOutputTokens"] : declared
}

const needOf = (request: ChatCompletionRequest, requirement: CapabilityRequirement): string => {
  if (requirement === "maxOutputTokens") {
    return `${request.max_completion_tokens ?? request.max_tokens ?? "the requested"} output tokens`
  }
  const need = requiredCapabilities(request).find((n) => n.capability === requirement)
  return need === undefined ? requirement : `${requirement} (${need.because})`
}

/**
 * Rewrites a planning failure caused by the capability filters so that its message leads with what
 * was missing and what in the request needed it; other failures are returned unchanged.
 * @since 0.1.0
 */
export const explainMissingCapabilities = (
  request: ChatCompletionRequest,
  error: NoRouteAvailable
): NoRouteAvailable => {
  const missing = missingCapabilities(request, error)
  if (missing.length === 0) return error
  const message =
    `route '${error.route}' has no deployment that supports ${missing.map((m) => needOf(request, m)).join(" and ")}. ` +
    `Add a deployment with these capabilities to the route, or drop them from the request. ` +
    `Removed: ${error.removed.map((removal) => `${removal.deployment}: ${removal.reason}`).join("; ")}`
  return new NoRouteAvailable({ route: error.route, message, removed: error.removed })
}
