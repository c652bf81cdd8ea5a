/**
 * Which text a router reads from a request: the prompt string, or for chat messages the last user
 * turn (the request being answered now). RouteLLM routes on a single prompt; MT Bench routes on
 * its first turn, which is the last user turn of the first request.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A chat message as OpenAI-compatible APIs send it (content as text or as parts).
 *
 * @since 0.1.0
 */
export const ChatMessage = Schema.Struct({
  role: Schema.String,
  content: Schema.Union(
    Schema.String,
    Schema.Null,
    Schema.Array(Schema.Struct({ type: Schema.String, text: Schema.optional(Schema.String) }))
  )
})

/**
 * The decoded chat message type.
 *
 * @since 0.1.0
 */
export type ChatMessage = typeof ChatMessage.Type

const contentText = (content: ChatMessage["content"]): string =>
  content === null
    ? ""
    : typeof content === "string"
      ? content
      : content.flatMap((part) => (part.text === undefined ? [] : [part.text])).join("\n")

/**
 * The text to route on: the last `user` message (falling back to the last message of any role).
 * Returns `undefined` when there are no messages.
 *
 * @example
 * import { Routers } from "effect-llm-router"
 * const { PromptText } = Routers
 *
 * PromptText.fromMessages([{ role: "system", content: "be brief" }, { role: "user", content: "hi" }]) // "hi"
 *
 * @since 0.1.0
 */
export const fromMessages = (messages: ReadonlyArray<ChatMessage>): string | undefined => {
  const users = messages.filter((message) => message.role === "user")
  const chosen = users[users.length - 1] ?? messages[messages.length - 1]
  return chosen === undefined ? undefined : contentText(chosen.content)
}
