/**
 * The boundary between the `openai` SDK's types and the router's wire Schemas: requests are
 * decoded with `ChatCompletionRequest`, and answers (already decoded by the provider) are mapped
 * field by field to the SDK's `ChatCompletion` and `ChatCompletionChunk`. Fields the router does not
 * model (logprobs, annotations, ...) travel along untouched.
 *
 * @since 0.1.0
 */
import { Effect, ParseResult, Schema } from "effect"
import type {
  ChatCompletion as SdkChatCompletion,
  ChatCompletionChunk as SdkChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageToolCall
} from "openai/resources/chat/completions"
import type { CompletionUsage } from "openai/resources/completions"
import type {
  ChatCompletionChunk,
  ChatCompletionRequest as Request,
  ChatCompletionResponse,
  Usage
} from "../core/ChatCompletion.ts"
import { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import { InvalidChatRequest } from "./errors.ts"

const decodeRequest = Schema.decodeUnknown(ChatCompletionRequest, { onExcessProperty: "preserve" })

/**
 * Decodes an SDK request into the router's request, or fails with `InvalidChatRequest` saying
 * which field is wrong.
 * @since 0.1.0
 */
export const fromCreateParams = (
  params: Pick<ChatCompletionCreateParamsBase, "model" | "messages">
): Effect.Effect<Request, InvalidChatRequest> =>
  decodeRequest(params).pipe(
    Effect.mapError(
      (error) =>
        new InvalidChatRequest({
          message: `the request is not a chat-completions request the router understands: ${ParseResult.TreeFormatter.formatErrorSync(error)}`
        })
    )
  )

type FinishReason = SdkChatCompletion.Choice["finish_reason"]
const finishReasons: ReadonlyArray<string> = [
  "stop",
  "length",
  "tool_calls",
  "content_filter",
  "function_call"
]
const isFinishReason = (value: string | null | undefined): value is FinishReason =>
  value !== null && value !== undefined && finishReasons.includes(value)

type Role = NonNullable<SdkChatCompletionChunk.Choice.Delta["role"]>
const roles: ReadonlyArray<string> = ["developer", "system", "user", "assistant", "tool"]
const isRole = (value: string | undefined): value is Role => value !== undefined && roles.includes(value)

const DeltaToolCall = Schema.Struct({
  index: Schema.Int,
  id: Schema.optionalWith(Schema.String, { exact: true }),
  type: Schema.optionalWith(Schema.Literal("function"), { exact: true }),
  function: Schema.optionalWith(
    Schema.Struct({
      name: Schema.optionalWith(Schema.String, { exact: true }),
      arguments: Schema.optionalWith(Schema.String, { exact: true })
    }),
    { exact: true }
  )
})
const decodeDeltaToolCall = Schema.decodeUnknownOption(DeltaToolCall)

/** Everything of a record but the named (typed) keys: the fields that travel along. */
const extras = (record: object, typed: ReadonlyArray<string>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).filter(([key]) => !typed.includes(key)))

const toUsage = (usage: Usage): CompletionUsage => ({ ...extras(usage, []), ...usage })

const toToolCall = (call: {
  readonly id: string
  readonly function: { readonly name: string; readonly arguments: string }
}): ChatCompletionMessageToolCall => ({
  id: call.id,
  type: "function",
  function: { name: call.function.name, arguments: call.function.arguments }
})

/**
 * A router response as the SDK's `ChatCompletion`.
 * @since 0.1.0
 */
export const toChatCompletion = (response: ChatCompletionResponse): SdkChatCompletion => ({
  ...extras(response, ["choices", "usage"]),
  id: response.id,
  object: "chat.completion",
  created: response.created,
  model: response.model,
  choices: response.choices.map((choice) => ({
    ...extras(choice, ["message"]),
    index: choice.index,
    finish_reason: isFinishReason(choice.finish_reason) ? choice.finish_reason : "stop",
    logprobs: null,
    message: {
      ...extras(choice.message, ["tool_calls"]),
      role: "assistant",
      content: choice.message.content,
      refusal: choice.message.refusal ?? null,
      ...(choice.message.tool_calls === undefined
        ? {}
        : { tool_calls: choice.message.tool_calls.map(toToolCall) })
    }
  })),
  ...(response.usage === undefined || response.usage === null ? {} : { usage: toUsage(response.usage) })
})

/**
 * A router stream chunk as the SDK's `ChatCompletionChunk`.
 * @since 0.1.0
 */
export const toChatCompletionChunk = (chunk: ChatCompletionChunk): SdkChatCompletionChunk => ({
  ...extras(chunk, ["choices", "usage"]),
  id: chunk.id,
  object: "chat.completion.chunk",
  created: chunk.created,
  model: chunk.model,
  choices: chunk.choices.map((choice) => {
    const { role, tool_calls, ...delta } = choice.delta
    const toolCalls = (tool_calls ?? []).flatMap((call) => {
      const decoded = decodeDeltaToolCall(call)
      return decoded._tag === "Some" ? [{ ...decoded.value }] : []
    })
    return {
      ...extras(choice, ["delta"]),
      index: choice.index,
      finish_reason: isFinishReason(choice.finish_reason) ? choice.finish_reason : null,
      delta: {
        ...delta,
        content: choice.delta.content ?? null,
        ...(isRole(role) ? { role } : {}),
        ...(tool_calls === undefined ? {} : { tool_calls: toolCalls })
      }
    }
  }),
  ...(chunk.usage === undefined ? {} : { usage: chunk.usage === null ? null : toUsage(chunk.usage) })
})
