/**
 * `capabilities`: drops deployments lacking a feature the request uses (tools, images, JSON mode,
 * JSON schema, streaming), as declared in each deployment's `capabilities`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { Capabilities } from "../core/Deployment.ts"
import { supports } from "../core/Deployment.ts"
import { filterStrategy } from "./Filter.ts"
import * as Format from "./Format.ts"
import type { Strategy } from "./Strategy.ts"

/**
 * A capability the request needs, and what in the request needs it.
 *
 * @since 0.1.0
 */
export interface Requirement {
  readonly capability: keyof Capabilities
  readonly because: string
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/**
 * The capabilities a request uses, each with what in the request uses it.
 *
 * @since 0.1.0
 */
export const requiredCapabilities = (request: ChatCompletionRequest): ReadonlyArray<Requirement> => {
  const needs: Array<Requirement> = []
  const toolCount = request.tools?.length ?? 0
  const toolTurns = request.messages.filter(
    (m) => m.role === "tool" || (m.tool_calls?.length ?? 0) > 0
  ).length
  if (toolCount > 0) needs.push({ capability: "tools", because: `request has ${plural(toolCount, "tool")}` })
  else if (toolTurns > 0)
    needs.push({ capability: "tools", because: `conversation has ${plural(toolTurns, "tool turn")}` })
  const images = request.messages.reduce(
    (total, message) =>
      total +
      (Array.isArray(message.content) ? message.content.filter((p) => p.type === "image_url").length : 0),
    0
  )
  if (images > 0) needs.push({ capability: "vision", because: `request has ${plural(images, "image part")}` })
  if (request.response_format?.type === "json_object") {
    needs.push({ capability: "jsonMode", because: "response_format json_object" })
  }
  if (request.response_format?.type === "json_schema") {
    needs.push({ capability: "jsonSchema", because: "response_format json_schema" })
  }
  if (request.stream === true) needs.push({ capability: "streaming", because: "stream: true" })
  return needs
}

/**
 * Keeps the deployments supporting everything the request uses. Capabilities a deployment does not
 * declare count as supported, so only an explicit `false` removes it; the reason names the missing
 * capability and what in the request needs it.
 *
 * @example
 * import { Deployment, Route, Strategies } from "effect-llm-router"
 *
 * const textOnly = Deployment.make({
 *   id: "mixtral@groq", provider: "openai-compatible", model: "mixtral-8x7b", capabilities: { vision: false }
 * })
 * // A request with an image part skips mixtral@groq: "lacks vision (request has 1 image part)".
 * const route = Route.pipeline([textOnly, gpt4o], [Strategies.capabilities()])
 *
 * @since 0.1.0
 */
export const capabilities = (): Strategy =>
  filterStrategy(
    "capabilities",
    ({ deployment }, context) =>
      Effect.sync(() => {
        const missing = requiredCapabilities(context.request).filter(
          (need) => !supports(deployment, need.capability)
        )
        return missing.length === 0
          ? undefined
          : missing.map((need) => `lacks ${need.capability} (${need.because})`).join("; ")
      }),
    (context) => {
      const needs = requiredCapabilities(context.request)
      return needs.length === 0
        ? "request uses no special capability"
        : `request uses ${Format.list(needs.map((need) => need.capability))}`
    }
  )
