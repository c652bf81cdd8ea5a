/**
 * `contextWindow`: drops deployments that cannot hold this request — its prompt (counted with the
 * tokenizer of each deployment's model) plus the output it asks for.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Deployment } from "../core/Deployment.ts"
import type { RoutingContext } from "../core/RoutingContext.ts"
import { encodingForModel } from "../core/Tokens.ts"
import { filterStrategy } from "./Filter.ts"
import * as Format from "./Format.ts"
import type { Strategy } from "./Strategy.ts"

/**
 * Settings of the context-window filter.
 *
 * @since 0.1.0
 */
export interface ContextWindowOptions {
  /**
   * Output tokens to reserve when the request sets no `max_tokens`/`max_completion_tokens`
   * (capped at the deployment's `maxOutputTokens`). Default 256.
   */
  readonly reserveOutputTokens?: number
}

/** @since 0.1.0 */
export const defaultReserveOutputTokens = 256

/**
 * The output tokens to make room for on a deployment: what the request asks for, else the reserve
 * (never more than the deployment can generate).
 *
 * @since 0.1.0
 */
export const outputTokensFor = (deployment: Deployment, context: RoutingContext, reserve: number): number =>
  context.outputTokens ?? Math.min(reserve, deployment.maxOutputTokens ?? reserve)

/**
 * Keeps the deployments whose context window holds the prompt plus the output, and whose
 * `maxOutputTokens` covers the output the request asks for. Deployments without a declared window
 * are kept (nothing is known against them).
 *
 * @example
 * import { Deployment, Route, Strategies } from "effect-llm-router"
 *
 * const small = Deployment.make({ id: "gpt-4@openai", provider: "openai", model: "gpt-4", contextWindow: 8_192 })
 * const large = Deployment.make({ id: "gpt-4o@openai", provider: "openai", model: "gpt-4o", contextWindow: 128_000 })
 * // Long prompts skip gpt-4 with the reason "needs 9,310 tokens (9,054 prompt + 256 output), window 8,192".
 * const route = Route.pipeline([small, large], [Strategies.contextWindow()])
 *
 * @since 0.1.0
 */
export const contextWindow = (options: ContextWindowOptions = {}): Strategy => {
  const reserve = options.reserveOutputTokens ?? defaultReserveOutputTokens
  return filterStrategy(
    "contextWindow",
    ({ deployment }, context) =>
      Effect.sync(() => {
        const requested = context.outputTokens
        if (
          requested !== undefined &&
          deployment.maxOutputTokens !== undefined &&
          requested > deployment.maxOutputTokens
        ) {
          return `asks ${Format.count(requested)} output tokens, max output ${Format.count(deployment.maxOutputTokens)}`
        }
        if (deployment.contextWindow === undefined) return undefined
        const output = outputTokensFor(deployment, context, reserve)
        // Exact counting loads a tokenizer; skip it when even the byte-count bound fits.
        if (context.promptTokensUpperBound() + output <= deployment.contextWindow) return undefined
        const prompt = context.promptTokens(encodingForModel(deployment.model))
        const needed = prompt + output
        return needed > deployment.contextWindow
          ? `needs ${Format.count(needed)} tokens (${Format.count(prompt)} prompt + ${Format.count(output)} output), window ${Format.count(deployment.contextWindow)}`
          : undefined
      }),
    (context) =>
      // Prompt counts differ by tokenizer, so they appear per deployment in the removal reasons.
      `prompt + ${
        context.outputTokens === undefined
          ? `up to ${Format.count(reserve)} output tokens reserved`
          : `${Format.count(context.outputTokens)} output tokens requested`
      } must fit each window`
  )
}
