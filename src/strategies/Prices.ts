/**
 * What a call to a deployment costs: the deployment's own prices when its config gives them,
 * otherwise the maintained price table of `@pydantic/genai-prices` (bundled, never fetched).
 *
 * @since 0.1.0
 */
import type { calcPrice as CalcPrice } from "@pydantic/genai-prices"
import { createRequire } from "node:module"
import type { Deployment } from "../core/Deployment.ts"

// The table is loaded on first use (synchronously: it is plain JavaScript), so that a config whose
// deployments all give their prices never pays the 15–30 ms it takes to load.
let calcPrice: typeof CalcPrice | undefined
const priceTable = (): typeof CalcPrice =>
  (calcPrice ??= (
    createRequire(import.meta.url)("@pydantic/genai-prices") as { readonly calcPrice: typeof CalcPrice }
  ).calcPrice)

/**
 * USD per token, and where the figure came from.
 *
 * @since 0.1.0
 */
export interface TokenPrices {
  readonly inputPerToken: number
  readonly outputPerToken: number
  readonly source: "deployment" | "genai-prices"
}

const tableCache = new Map<string, TokenPrices | undefined>()

const fromTable = (model: string): TokenPrices | undefined => {
  if (tableCache.has(model)) return tableCache.get(model)
  const million = 1_000_000
  // The table prices a usage; pricing one million of each gives the per-token rates.
  const input = priceTable()({ input_tokens: million, output_tokens: 0 }, model)
  const output = priceTable()({ input_tokens: 0, output_tokens: million }, model)
  const prices =
    input === null || output === null
      ? undefined
      : {
          inputPerToken: input.total_price / million,
          outputPerToken: output.total_price / million,
          source: "genai-prices" as const
        }
  tableCache.set(model, prices)
  return prices
}

/**
 * The per-token prices of a deployment, or `undefined` when neither its config nor the price table
 * knows the model.
 *
 * @since 0.1.0
 */
export const pricesOf = (deployment: Deployment): TokenPrices | undefined => {
  const table =
    deployment.inputCostPerToken === undefined || deployment.outputCostPerToken === undefined
      ? fromTable(deployment.model)
      : undefined
  const input = deployment.inputCostPerToken ?? table?.inputPerToken
  const output = deployment.outputCostPerToken ?? table?.outputPerToken
  if (input === undefined || output === undefined) return undefined
  return {
    inputPerToken: input,
    outputPerToken: output,
    source: table === undefined ? "deployment" : "genai-prices"
  }
}

/**
 * Output tokens assumed for cost estimates when the request sets no limit.
 *
 * @since 0.1.0
 */
export const defaultExpectedOutputTokens = 256

/**
 * The expected USD cost of a request on a deployment, or `undefined` when its prices are unknown.
 *
 * @since 0.1.0
 */
export const expectedCost = (
  deployment: Deployment,
  promptTokens: number,
  outputTokens: number = defaultExpectedOutputTokens
): number | undefined => {
  const prices = pricesOf(deployment)
  return prices === undefined
    ? undefined
    : promptTokens * prices.inputPerToken + outputTokens * prices.outputPerToken
}
