/**
 * Checks of a config that its schema cannot express: API keys written inline (as fields or in
 * credential headers), and a bound on how much work planning a route can take.
 *
 * @since 0.1.0
 */
import type { RouterState } from "../state/index.ts"
import { joinPath } from "./ConfigDecode.ts"
import type { Route } from "./Route.ts"

// Must match `Deployment.apiKeyEnv`'s pattern.
export const environmentVariableName = /^[A-Za-z_][A-Za-z0-9_]*$/

export const inlineKeyMessage =
  "API keys must not be written in config files; set 'apiKeyEnv' to the name of the environment variable that holds the key"

// Headers that carry credentials: a key there is as inlined as an `apiKey` field.
const credentialHeaders = new Set(["authorization", "proxy-authorization", "api-key", "x-api-key"])

/** The path (below the deployment) of an API key written in a deployment, if any. */
export const inlineKeyOf = (raw: unknown): string | undefined => {
  if (typeof raw !== "object" || raw === null) return undefined
  if ("apiKey" in raw) return "apiKey"
  if ("api_key" in raw) return "api_key"
  if ("headers" in raw && typeof raw.headers === "object" && raw.headers !== null) {
    const header = Object.keys(raw.headers).find((name) => credentialHeaders.has(name.toLowerCase()))
    if (header !== undefined) return joinPath("headers", header)
  }
  return undefined
}

/**
 * A bound on the work of planning a route: the number of nodes a plan can walk. Named routes are
 * shared values, so a route that uses another twice, which uses another twice, ... plans
 * exponentially many steps; counted once per distinct node, this is linear.
 */
export const planSteps = (route: Route<RouterState>): number => {
  const counted = new Map<Route<RouterState>, number>()
  const count = (node: Route<RouterState>): number => {
    const known = counted.get(node)
    if (known !== undefined) return known
    const sum = (routes: ReadonlyArray<Route<RouterState>>) =>
      routes.reduce((total, r) => total + count(r), 0)
    let steps: number
    switch (node._tag) {
      case "Deployment":
        steps = 1
        break
      case "Pipeline":
        steps = node.deployments.length
        break
      case "LoadBalance":
        steps = 1 + sum(node.targets)
        break
      case "Threshold":
        steps = 1 + sum([node.strong, node.weak])
        break
      case "Select":
        steps = 1 + sum(Object.values(node.options))
        break
      case "Branch":
        steps = 1 + sum(Object.values(node.routes))
        break
      case "Fallback":
      case "Hedge":
        steps = 1 + sum(node.routes)
        break
      case "Retry":
      case "Timeout":
        steps = 1 + count(node.route)
        break
    }
    counted.set(node, steps)
    return steps
  }
  return count(route)
}

/** The most steps a route may plan (see `planSteps`); real routes plan tens. */
export const maxPlanSteps = 10_000
