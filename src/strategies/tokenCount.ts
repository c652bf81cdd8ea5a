/**
 * `tokenCount`: a classifier that picks a named sub-route by how long the prompt is, in tokens of
 * the model's tokenizer.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EncodingName } from "../core/Tokens.ts"
import { countTokens, encodingForModel } from "../core/Tokens.ts"
import * as Format from "./Format.ts"
import type { Classifier } from "./Strategy.ts"

/**
 * Prompts of at most `upTo` tokens go to `route` (the first band that fits wins).
 *
 * @since 0.1.0
 */
export interface TokenBand {
  readonly upTo: number
  readonly route: string
}

/**
 * Settings of the token-count classifier.
 *
 * @since 0.1.0
 */
export interface TokenCountOptions {
  /** Bands in any order; they are applied from the smallest `upTo`. */
  readonly bands: ReadonlyArray<TokenBand>
  /** The route for prompts longer than every band. */
  readonly otherwise: string
  /** The tokenizer; by default the one of `model`. */
  readonly encoding?: EncodingName
  /** The model whose tokenizer counts (via `encodingForModel`); by default the request's `model`. */
  readonly model?: string
  /**
   * What to count: `prompt` (default) is the whole request as billed (every message, tools, images);
   * `text` is only the text routers read (e.g. the last user turn).
   */
  readonly measure?: "prompt" | "text"
}

/**
 * Routes by prompt length: the first band whose `upTo` is at least the token count, else `otherwise`.
 *
 * @example
 * import { Route, Strategies } from "effect-llm-router"
 *
 * const byLength = Strategies.tokenCount({
 *   bands: [{ upTo: 500, route: "small" }, { upTo: 4_000, route: "medium" }],
 *   otherwise: "large",
 *   model: "gpt-4o"
 * })
 * const route = Route.branch(byLength, { small: mini, medium: gpt4o, large: gpt41 })
 *
 * @since 0.1.0
 */
export const tokenCount = (options: TokenCountOptions): Classifier => {
  const bands = [...options.bands].sort((a, b) => a.upTo - b.upTo)
  const measure = options.measure ?? "prompt"
  const choices = [...new Set([...bands.map((band) => band.route), options.otherwise])]
  return {
    name: "tokenCount",
    choices,
    classify: (context) =>
      Effect.sync(() => {
        const encoding = options.encoding ?? encodingForModel(options.model ?? context.request.model)
        const tokens =
          measure === "prompt" ? context.promptTokens(encoding) : countTokens(context.text, encoding)
        const band = bands.find((candidate) => tokens <= candidate.upTo)
        const what = `${Format.count(tokens)} ${measure === "prompt" ? "prompt" : "routing-text"} tokens (${encoding})`
        return {
          choice: band?.route ?? options.otherwise,
          summary:
            band === undefined
              ? `tokenCount: ${what} > ${Format.count(bands[bands.length - 1]?.upTo ?? 0)} → ${options.otherwise} (otherwise)`
              : `tokenCount: ${what} ≤ ${Format.count(band.upTo)} → ${band.route}`,
          scores: { tokens }
        }
      })
  }
}
