/**
 * What planning knows about one request: the request itself, the text routers read (chosen by the
 * conversation policy), and token counts computed at most once per encoding.
 *
 * @since 0.1.0
 */
import type { ChatCompletionRequest, ChatMessage } from "./ChatCompletion.ts"
import { messageText, requestedOutputTokens } from "./ChatCompletion.ts"
import type { EncodingName } from "./Tokens.ts"
import { countPromptTokens, countTokens, promptTokensUpperBound } from "./Tokens.ts"

/**
 * Which part of a conversation routers and heuristics read.
 * - `last-user`: the last user turn (RouteLLM's default).
 * - `first-user`: the first user turn (how RouteLLM routes MT Bench).
 * - `conversation`: the whole conversation, newest turns first, within `maxTokens`.
 *
 * @since 0.1.0
 */
export type ConversationPolicy =
  | { readonly _tag: "last-user" }
  | { readonly _tag: "first-user" }
  | { readonly _tag: "conversation"; readonly maxTokens: number }

/** @since 0.1.0 */
export const lastUser: ConversationPolicy = { _tag: "last-user" }

const userTurns = (messages: ReadonlyArray<ChatMessage>) => messages.filter((m) => m.role === "user")

/**
 * The text that routers read for a request under a conversation policy. Falls back to the last
 * message of any role when there is no user turn.
 *
 * @since 0.1.0
 */
export const routingText = (request: ChatCompletionRequest, policy: ConversationPolicy = lastUser): string =>
  routingTextOf(request.messages, policy)

/**
 * `routingText` for a list of messages (scoring files, data sets): the same policy, no request.
 *
 * @since 0.1.0
 */
export const routingTextOf = (
  messages: ReadonlyArray<ChatMessage>,
  policy: ConversationPolicy = lastUser
): string => {
  const request = { messages }
  const users = userTurns(request.messages)
  switch (policy._tag) {
    case "last-user": {
      const turn = users[users.length - 1] ?? request.messages[request.messages.length - 1]
      return turn === undefined ? "" : messageText(turn)
    }
    case "first-user": {
      const turn = users[0] ?? request.messages[0]
      return turn === undefined ? "" : messageText(turn)
    }
    case "conversation": {
      const kept: Array<string> = []
      let budget = policy.maxTokens
      for (let index = request.messages.length - 1; index >= 0; index--) {
        const message = request.messages[index]!
        const line = `${message.role}: ${messageText(message)}`
        const cost = countTokens(line)
        if (cost > budget) {
          if (kept.length === 0) kept.push(line.slice(0, Math.max(0, budget * 4)))
          break
        }
        kept.push(line)
        budget -= cost
      }
      return kept.reverse().join("\n")
    }
  }
}

/**
 * Planning input for one request.
 *
 * @since 0.1.0
 */
export interface RoutingContext {
  readonly request: ChatCompletionRequest
  /** The route the request asked for (the request's `model`). */
  readonly routeName: string
  /** The text routers and heuristics read. */
  readonly text: string
  /** Prompt tokens under an encoding, counted once. */
  readonly promptTokens: (encoding?: EncodingName) => number
  /** A cheap upper bound on the prompt tokens under any encoding (UTF-8 bytes plus framing). */
  readonly promptTokensUpperBound: () => number
  /** The output budget the caller asked for, if any. */
  readonly outputTokens: number | undefined
}

/**
 * Builds the routing context of a request.
 *
 * @since 0.1.0
 */
export const make = (
  request: ChatCompletionRequest,
  options: { readonly conversation?: ConversationPolicy; readonly routeName?: string } = {}
): RoutingContext => {
  const counts = new Map<EncodingName, number>()
  let upperBound: number | undefined
  return {
    request,
    routeName: options.routeName ?? request.model,
    text: routingText(request, options.conversation),
    outputTokens: requestedOutputTokens(request),
    promptTokensUpperBound: () => (upperBound ??= promptTokensUpperBound(request)),
    promptTokens: (encoding = "cl100k_base") => {
      let count = counts.get(encoding)
      if (count === undefined) {
        count = countPromptTokens(request, encoding)
        counts.set(encoding, count)
      }
      return count
    }
  }
}
