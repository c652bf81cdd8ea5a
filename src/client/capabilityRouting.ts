/**
 * Capability errors for the client. Planning leaves out deployments that lack what a request uses
 * (tools, images, JSON mode, a JSON schema, `stream: true`, or more output tokens than their
 * `maxOutputTokens`); when nothing is left, these helpers say which capabilities were missing, so
 * that `RoutedClientError.missingCapabilities` can name them.
 *
 * @since 0.1.0
 */
import type { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { Capabilities } from "../core/Deployment.ts"
import { NoRouteAvailable } from "../core/Errors.ts"
import { requiredCapabilities } from "../strategies/capabilities.ts"

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
