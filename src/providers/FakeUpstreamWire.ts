/**
 * The wire side of the fake upstream: reading a chat-completions request, the OpenAI-style error
 * bodies of each scripted failure, and the seeded generator behind probabilistic scripts.
 *
 * @since 0.1.0
 */
import type { Behaviour } from "./FakeUpstreamScript.ts"

/** A seeded uniform generator (mulberry32), so that a script's random mix replays. @since 0.1.0 */
export const mulberry32 = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The fields of a chat-completions request the fake upstream reads. @since 0.1.0 */
export interface WireRequest {
  readonly model: string
  readonly stream: boolean
  readonly includeUsage: boolean
  readonly requestId: string | undefined
  readonly promptText: string
  readonly lastUser: string
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
}

/** Reads a request body; `undefined` when it is not a chat-completions request. @since 0.1.0 */
export const readWireRequest = (body: unknown, headers: WireRequest["headers"]): WireRequest | undefined => {
  if (typeof body !== "object" || body === null) return undefined
  const record = body as Record<string, unknown>
  if (typeof record["model"] !== "string" || !Array.isArray(record["messages"])) return undefined
  const texts = (record["messages"] as Array<unknown>).map((message) => {
    const content = (message as { content?: unknown } | null)?.content
    return typeof content === "string" ? content : JSON.stringify(content ?? "")
  })
  const users = (record["messages"] as Array<unknown>).filter(
    (m) => (m as { role?: unknown } | null)?.role === "user"
  )
  const lastUserContent = (users[users.length - 1] as { content?: unknown } | undefined)?.content
  const metadata = record["metadata"] as Record<string, unknown> | undefined
  const requestId =
    typeof metadata?.["request_id"] === "string"
      ? metadata["request_id"]
      : typeof record["user"] === "string"
        ? record["user"]
        : undefined
  const options = record["stream_options"] as { include_usage?: unknown } | undefined
  return {
    model: record["model"],
    stream: record["stream"] === true,
    includeUsage: options?.include_usage === true,
    requestId,
    promptText: texts.join("\n"),
    lastUser: typeof lastUserContent === "string" ? lastUserContent : "",
    headers
  }
}

/** The OpenAI-style error each failure behaviour answers with. @since 0.1.0 */
export const errorBodies: Partial<
  Record<Behaviour["kind"], { status: number; message: string; type: string; code: string | null }>
> = {
  server_error: {
    status: 500,
    message: "The server had an error while processing your request.",
    type: "server_error",
    code: null
  },
  unavailable: {
    status: 503,
    message: "The engine is currently overloaded, please try again later.",
    type: "server_error",
    code: null
  },
  rate_limit: {
    status: 429,
    message: "Rate limit reached for requests. Please try again later.",
    type: "requests",
    code: "rate_limit_exceeded"
  },
  context_window: {
    status: 400,
    message:
      "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
    type: "invalid_request_error",
    code: "context_length_exceeded"
  },
  content_filter: {
    status: 400,
    message: "The response was filtered due to the prompt triggering the content management policy.",
    type: "invalid_request_error",
    code: "content_filter"
  },
  bad_request: {
    status: 400,
    message: "Invalid value for 'temperature'.",
    type: "invalid_request_error",
    code: "invalid_value"
  },
  auth: {
    status: 401,
    message: "Incorrect API key provided.",
    type: "invalid_request_error",
    code: "invalid_api_key"
  },
  not_found: {
    status: 404,
    message: "The model does not exist or you do not have access to it.",
    type: "invalid_request_error",
    code: "model_not_found"
  }
}
