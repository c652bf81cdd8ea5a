/**
 * `costBased`: orders deployments by what this request is expected to cost on each, cheapest first.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { encodingForModel } from "../core/Tokens.ts"
import * as Format from "./Format.ts"
import { defaultExpectedOutputTokens, expectedCost, pricesOf } from "./Prices.ts"
import type { Candidate, Strategy } from "./Strategy.ts"
import { scored } from "./Strategy.ts"

/**
 * Orders by expected USD cost: prompt tokens (with each model's tokenizer) at the input price plus
 * the requested output (or 256 tokens) at the output price. Prices come from the deployment, else
 * from `@pydantic/genai-prices`; deployments whose price is unknown are kept, last, in input order.
 *
 * @example
 * import { Route, Strategies } from "effect-llm-router"
 *
 * const route = Route.loadBalance(Strategies.costBased(), [gpt4o, gpt4oMini, claudeHaiku])
 *
 * @since 0.1.0
 */
export const costBased = (): Strategy => ({
  name: "cost",
  apply: (candidates, context) =>
    Effect.sync(() => {
      const output = context.outputTokens ?? defaultExpectedOutputTokens
      const priced: Array<{ readonly candidate: Candidate; readonly cost: number }> = []
      const unknown: Array<Candidate> = []
      for (const candidate of candidates) {
        const { deployment } = candidate
        const prompt = context.promptTokens(encodingForModel(deployment.model))
        const cost = expectedCost(deployment, prompt, output)
        if (cost === undefined) {
          unknown.push({
            ...candidate,
            reasons: [
              ...candidate.reasons,
              `cost: no price known for model ${deployment.model}; ordered last`
            ]
          })
        } else {
          const source = pricesOf(deployment)?.source ?? "deployment"
          priced.push({
            candidate: scored(
              candidate,
              "cost",
              cost,
              `cost: ${Format.usd(cost)} for ${Format.count(prompt)} prompt + ${Format.count(output)} output tokens (${source} prices)`
            ),
            cost
          })
        }
      }
      const ordered = [...priced].sort((a, b) => a.cost - b.cost)
      return {
        candidates: [...ordered.map((entry) => entry.candidate), ...unknown],
        removed: [],
        summary:
          `cost (${context.outputTokens === undefined ? `${output} output tokens assumed` : `${Format.count(output)} output tokens requested`}): ` +
          Format.list(
            ordered.map(
              (entry, index) =>
                `${entry.candidate.deployment.id} ${Format.usd(entry.cost)}${index === 0 ? " (cheapest)" : ""}`
            )
          ) +
          `; price unknown, last: ${Format.list(unknown.map((c) => c.deployment.id))}`
      }
    })
})
