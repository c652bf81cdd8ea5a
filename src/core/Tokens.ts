/**
 * Token counting with the tokenizer a model uses (OpenAI's BPE encodings through `gpt-tokenizer`,
 * a pure-JS port of tiktoken). Encodings load lazily, once per process: `cl100k_base` in about
 * 0.1 s, `o200k_base` in about 0.25 s.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"
import type { ChatCompletionRequest } from "./ChatCompletion.ts"
import { messageText } from "./ChatCompletion.ts"

/** @since 0.1.0 */
export type EncodingName = "o200k_base" | "cl100k_base"

const require = createRequire(import.meta.url)

interface Encoder {
  readonly countTokens: (text: string) => number
}

const loaded = new Map<EncodingName, Encoder>()

const load = (encoding: EncodingName): Encoder => {
  let encoder = loaded.get(encoding)
  if (encoder === undefined) {
    // Synchronous, lazy load: the rank tables are large and most processes need only one of them.
    encoder = require(`gpt-tokenizer/cjs/encoding/${encoding}`) as Encoder
    loaded.set(encoding, encoder)
  }
  return encoder
}

/**
 * The encoding a model uses: `o200k_base` for the GPT-4o/4.1/5 and o-series families,
 * `cl100k_base` for everything else (GPT-4, GPT-3.5, and a fair approximation for other vendors).
 *
 * @since 0.1.0
 */
export const encodingForModel = (model: string | undefined): EncodingName => {
  const name = (model ?? "").toLowerCase()
  return /(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|(^|[^a-z])o[1-9](-|$)|o200k)/.test(name)
    ? "o200k_base"
    : "cl100k_base"
}

/**
 * Counts the tokens of a text.
 *
 * @since 0.1.0
 */
export const countTokens = (text: string, encoding: EncodingName = "cl100k_base"): number =>
  text.length === 0 ? 0 : load(encoding).countTokens(text)

/**
 * An upper bound on `countPromptTokens` under any byte-level BPE encoding, without loading one:
 * every token covers at least one UTF-8 byte, so the byte count bounds the token count. Filters use
 * it to skip exact counting when a prompt clearly fits.
 *
 * @since 0.1.0
 */
export const promptTokensUpperBound = (request: ChatCompletionRequest): number =>
  countPromptTokensWith(request, (text) => Buffer.byteLength(text, "utf8"))

/**
 * Counts the prompt tokens of a chat request the way OpenAI bills them: each message's text plus
 * a few tokens of framing per message. Image parts are counted at a flat 85 tokens (low detail).
 *
 * @since 0.1.0
 */
export const countPromptTokens = (
  request: ChatCompletionRequest,
  encoding: EncodingName = "cl100k_base"
): number => countPromptTokensWith(request, (text) => countTokens(text, encoding))

const countPromptTokensWith = (request: ChatCompletionRequest, count: (text: string) => number): number => {
  let total = 3
  for (const message of request.messages) {
    total += 4 + count(messageText(message))
    if (Array.isArray(message.content)) {
      total += 85 * message.content.filter((part) => part.type === "image_url").length
    }
    if (message.tool_calls !== undefined) {
      for (const call of message.tool_calls) {
        total += count(call.function.name + call.function.arguments)
      }
    }
  }
  if (request.tools !== undefined) total += count(JSON.stringify(request.tools))
  return total
}
