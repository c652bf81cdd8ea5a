/**
 * The OpenAI chat-completions wire format, as Schema: requests, responses and stream chunks.
 *
 * Only the fields the router reads are typed precisely; everything else a client sends is kept
 * (`Schema.Record` rest) so that it reaches the provider unchanged.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** @since 0.1.0 */
export const TextPart = Schema.Struct({
  type: Schema.Literal("text"),
  text: Schema.String
})

/** @since 0.1.0 */
export const ImagePart = Schema.Struct({
  type: Schema.Literal("image_url"),
  image_url: Schema.Struct({
    url: Schema.String,
    detail: Schema.optional(Schema.Literal("auto", "low", "high"))
  })
})

/** @since 0.1.0 */
export const ContentPart = Schema.Union(TextPart, ImagePart)
/** @since 0.1.0 */
export type ContentPart = typeof ContentPart.Type

/** @since 0.1.0 */
export const MessageContent = Schema.Union(Schema.String, Schema.Array(ContentPart))

/** @since 0.1.0 */
export const ToolCall = Schema.Struct({
  id: Schema.String,
  type: Schema.Literal("function"),
  function: Schema.Struct({ name: Schema.String, arguments: Schema.String })
})

/**
 * One chat message. `content` may be a string or an array of text/image parts; assistant messages
 * may carry tool calls instead of content.
 *
 * @since 0.1.0
 */
export const ChatMessage = Schema.Struct({
  role: Schema.Literal("system", "developer", "user", "assistant", "tool"),
  content: Schema.optionalWith(Schema.NullOr(MessageContent), { exact: true }),
  name: Schema.optionalWith(Schema.String, { exact: true }),
  tool_calls: Schema.optionalWith(Schema.Array(ToolCall), { exact: true }),
  tool_call_id: Schema.optionalWith(Schema.String, { exact: true })
})
/** @since 0.1.0 */
export type ChatMessage = typeof ChatMessage.Type

/** @since 0.1.0 */
export const FunctionTool = Schema.Struct({
  type: Schema.Literal("function"),
  function: Schema.Struct({
    name: Schema.String,
    description: Schema.optionalWith(Schema.String, { exact: true }),
    parameters: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), {
      exact: true
    }),
    strict: Schema.optionalWith(Schema.NullOr(Schema.Boolean), { exact: true })
  })
})

/** @since 0.1.0 */
export const ResponseFormat = Schema.Union(
  Schema.Struct({ type: Schema.Literal("text") }),
  Schema.Struct({ type: Schema.Literal("json_object") }),
  Schema.Struct({
    type: Schema.Literal("json_schema"),
    json_schema: Schema.Struct({ name: Schema.String }, { key: Schema.String, value: Schema.Unknown })
  })
)

/**
 * A chat-completions request. `model` names a route (or a RouteLLM-style `router-<r>-<threshold>`).
 *
 * @since 0.1.0
 */
export const ChatCompletionRequest = Schema.Struct(
  {
    model: Schema.String,
    messages: Schema.NonEmptyArray(ChatMessage),
    stream: Schema.optionalWith(Schema.Boolean, { exact: true }),
    stream_options: Schema.optionalWith(
      Schema.NullOr(Schema.Struct({ include_usage: Schema.optionalWith(Schema.Boolean, { exact: true }) })),
      { exact: true }
    ),
    max_tokens: Schema.optionalWith(Schema.NullOr(Schema.Int.pipe(Schema.positive())), { exact: true }),
    max_completion_tokens: Schema.optionalWith(Schema.NullOr(Schema.Int.pipe(Schema.positive())), {
      exact: true
    }),
    temperature: Schema.optionalWith(Schema.NullOr(Schema.Number.pipe(Schema.between(0, 2))), {
      exact: true
    }),
    top_p: Schema.optionalWith(Schema.NullOr(Schema.Number.pipe(Schema.between(0, 1))), { exact: true }),
    n: Schema.optionalWith(Schema.NullOr(Schema.Int.pipe(Schema.positive())), { exact: true }),
    stop: Schema.optionalWith(Schema.NullOr(Schema.Union(Schema.String, Schema.Array(Schema.String))), {
      exact: true
    }),
    tools: Schema.optionalWith(Schema.Array(FunctionTool), { exact: true }),
    tool_choice: Schema.optionalWith(Schema.Unknown, { exact: true }),
    response_format: Schema.optionalWith(ResponseFormat, { exact: true }),
    user: Schema.optionalWith(Schema.String, { exact: true }),
    metadata: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
      exact: true
    })
  },
  { key: Schema.String, value: Schema.Unknown }
)
/** @since 0.1.0 */
export type ChatCompletionRequest = typeof ChatCompletionRequest.Type

/** @since 0.1.0 */
export const Usage = Schema.Struct({
  prompt_tokens: Schema.Number,
  completion_tokens: Schema.Number,
  total_tokens: Schema.Number
})
/** @since 0.1.0 */
export type Usage = typeof Usage.Type

/** @since 0.1.0 */
export const AssistantMessage = Schema.Struct(
  {
    role: Schema.Literal("assistant"),
    content: Schema.NullOr(Schema.String),
    tool_calls: Schema.optionalWith(Schema.Array(ToolCall), { exact: true }),
    refusal: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true })
  },
  { key: Schema.String, value: Schema.Unknown }
)

/**
 * A non-streaming chat-completions response.
 *
 * @since 0.1.0
 */
export const ChatCompletionResponse = Schema.Struct(
  {
    id: Schema.String,
    object: Schema.Literal("chat.completion"),
    created: Schema.Number,
    model: Schema.String,
    choices: Schema.Array(
      Schema.Struct(
        {
          index: Schema.Number,
          message: AssistantMessage,
          finish_reason: Schema.NullOr(Schema.String)
        },
        { key: Schema.String, value: Schema.Unknown }
      )
    ),
    usage: Schema.optionalWith(Schema.NullOr(Usage), { exact: true })
  },
  { key: Schema.String, value: Schema.Unknown }
)
/** @since 0.1.0 */
export type ChatCompletionResponse = typeof ChatCompletionResponse.Type

/**
 * One server-sent chunk of a streaming response.
 *
 * @since 0.1.0
 */
export const ChatCompletionChunk = Schema.Struct(
  {
    id: Schema.String,
    object: Schema.Literal("chat.completion.chunk"),
    created: Schema.Number,
    model: Schema.String,
    choices: Schema.Array(
      Schema.Struct(
        {
          index: Schema.Number,
          delta: Schema.Struct(
            {
              role: Schema.optionalWith(Schema.String, { exact: true }),
              content: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }),
              tool_calls: Schema.optionalWith(Schema.Array(Schema.Unknown), { exact: true })
            },
            { key: Schema.String, value: Schema.Unknown }
          ),
          finish_reason: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true })
        },
        { key: Schema.String, value: Schema.Unknown }
      )
    ),
    usage: Schema.optionalWith(Schema.NullOr(Usage), { exact: true })
  },
  { key: Schema.String, value: Schema.Unknown }
)
/** @since 0.1.0 */
export type ChatCompletionChunk = typeof ChatCompletionChunk.Type

/**
 * The text of a message's content (image parts are skipped).
 *
 * @since 0.1.0
 */
export const messageText = (message: ChatMessage): string => {
  const content = message.content
  if (content === undefined || content === null) return ""
  if (typeof content === "string") return content
  return content
    .filter((part): part is typeof TextPart.Type => part.type === "text")
    .map((part) => part.text)
    .join("\n")
}

/**
 * The output budget the caller asked for (`max_completion_tokens` wins over `max_tokens`).
 *
 * @since 0.1.0
 */
export const requestedOutputTokens = (request: ChatCompletionRequest): number | undefined =>
  request.max_completion_tokens ?? request.max_tokens ?? undefined
