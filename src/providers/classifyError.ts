/**
 * Turns whatever a provider call ended with (an SDK error, a socket error, a body that does not
 * decode, a refusal inside a 200) into one tagged error per failure kind, so that failover can
 * decide what to do without looking at HTTP details.
 *
 * Messages are built from the status code and the upstream's own message, with anything that looks
 * like an API key masked; `cause` is a plain summary (name, status, code), never the SDK error
 * itself, so that request headers cannot leak through it.
 *
 * @since 0.1.0
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai"
import type { ProviderFailure } from "../core/Errors.ts"
import {
  AuthFailed,
  ContentFiltered,
  ContextWindowExceeded,
  InvalidRequest,
  isProviderFailure,
  MalformedResponse,
  RateLimited,
  Timeout,
  Unavailable
} from "../core/Errors.ts"

/**
 * Where the failure happened, for messages and `Timeout.afterMs`.
 * @since 0.1.0
 */
export interface FailureContext {
  /** Id of the deployment that was called. */
  readonly deployment: string
  /** The attempt's timeout, reported on `Timeout`. */
  readonly timeoutMs?: number
  /** Wall-clock now in ms, to resolve an HTTP-date `Retry-After`. */
  readonly nowMs?: number
  /** The API key used, masked wherever it appears in an upstream message. */
  readonly secret?: string
}

const contextWindowCodes = new Set([
  "context_length_exceeded",
  "string_above_max_length",
  "model_max_prompt_tokens_exceeded",
  "max_tokens_exceeded",
  "context_window_exceeded"
])
const contextWindowMessage =
  /maximum context length|context length|context[ _]window|too many tokens|prompt is too long|input is too long|reduce the length of the (messages|prompt)|exceeds? the (model'?s? )?(maximum|max|token limit)|token limit/i
const contentFilterCodes = new Set(["content_filter", "content_policy_violation", "content_filtered"])
const contentFilterMessage = /content (management )?polic|content[ _-]?filter|safety system|flagged by/i
const connectionErrorCodes =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|UND_ERR_SOCKET|socket hang up|other side closed|terminated/i

/**
 * Masks things shaped like API keys (`sk-…`, bearer tokens) in a message.
 * @since 0.1.0
 */
export const maskSecrets = (text: string, secret?: string): string =>
  (secret !== undefined && secret.length >= 4 ? text.split(secret).join("***") : text)
    .replace(/\b(sk|pk|rk|key)-[A-Za-z0-9_*-]{6,}/g, "$1-***")
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, "Bearer ***")

/**
 * Reads a retry delay from `retry-after-ms` (milliseconds) or `retry-after` (seconds or HTTP date).
 *
 * @example
 * import { retryAfterMs } from "effect-llm-router/providers/classifyError"
 *
 * retryAfterMs(new Headers({ "retry-after": "2" })) // 2000
 *
 * @since 0.1.0
 */
export const retryAfterMs = (
  headers: Headers | undefined,
  nowMs: number = Date.now()
): number | undefined => {
  if (headers === undefined) return undefined
  const ms = headers.get("retry-after-ms")
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms))
  const after = headers.get("retry-after")
  if (after === null || after.trim() === "") return undefined
  const seconds = Number(after)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(after)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs)
}

interface UpstreamError {
  readonly message?: string
  readonly code?: string
  readonly type?: string
}

const upstreamError = (error: APIError): UpstreamError => {
  const body: unknown = error.error
  if (typeof body !== "object" || body === null) return {}
  const record = body as Record<string, unknown>
  const text = (value: unknown) => (typeof value === "string" ? value : undefined)
  const code = text(record["code"]) ?? text(record["type"])
  const message = text(record["message"])
  const type = text(record["type"])
  return { ...(message ? { message } : {}), ...(code ? { code } : {}), ...(type ? { type } : {}) }
}

const summary = (error: unknown, secret: string | undefined): Record<string, unknown> => {
  if (!(error instanceof Error)) return { value: String(error) }
  const base: Record<string, unknown> = { name: error.name, message: maskSecrets(error.message, secret) }
  if (error instanceof APIError && error.status !== undefined) base["status"] = error.status
  const cause = (error as { cause?: unknown }).cause
  if (cause instanceof Error) {
    base["cause"] = {
      name: cause.name,
      message: maskSecrets(cause.message, secret),
      code: (cause as { code?: unknown }).code
    }
  }
  return base
}

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { cause?: unknown }).cause
  const causeText = cause instanceof Error ? ` (${(cause as { code?: string }).code ?? cause.message})` : ""
  return `${error.message}${causeText}`
}

const classifyStatus = (error: APIError, context: FailureContext): ProviderFailure => {
  const { deployment } = context
  const status = error.status ?? 0
  const upstream = upstreamError(error)
  const upstreamMessage = maskSecrets(upstream.message ?? error.message, context.secret)
  const cause = summary(error, context.secret)
  const code = upstream.code ?? ""
  if (
    contextWindowCodes.has(code) ||
    ((status === 400 || status === 413 || status === 422) && contextWindowMessage.test(upstreamMessage))
  ) {
    return new ContextWindowExceeded({
      deployment,
      message: `${deployment}: the prompt does not fit the model's context window (${upstreamMessage}). Shorten the conversation or route to a model with a larger window.`,
      cause
    })
  }
  if (
    contentFilterCodes.has(code) ||
    ((status === 400 || status === 403) && contentFilterMessage.test(upstreamMessage))
  ) {
    return new ContentFiltered({
      deployment,
      message: `${deployment}: the provider's content policy refused the request (${upstreamMessage}).`,
      cause
    })
  }
  if (status === 429) {
    const after = retryAfterMs(error.headers, context.nowMs)
    return new RateLimited({
      deployment,
      message: `${deployment}: rate limited (429${after === undefined ? "" : `, retry after ${after} ms`}): ${upstreamMessage}`,
      ...(after === undefined ? {} : { retryAfterMs: after }),
      cause
    })
  }
  if (status === 401 || status === 403) {
    return new AuthFailed({
      deployment,
      status,
      message: `${deployment}: the provider rejected the credentials (${status}). Check the API key variable of this deployment.`,
      cause
    })
  }
  if (status === 408) {
    return new Timeout({
      deployment,
      afterMs: context.timeoutMs ?? 0,
      message: `${deployment}: upstream timed out (408)`,
      cause
    })
  }
  if (status >= 500 || status === 0) {
    return new Unavailable({
      deployment,
      status,
      message: `${deployment}: upstream error ${status}: ${upstreamMessage}`,
      cause
    })
  }
  return new InvalidRequest({
    deployment,
    status,
    message: `${deployment}: the provider rejected the request (${status}): ${upstreamMessage}`,
    cause
  })
}

/**
 * Classifies any failure of a provider call.
 *
 * @example
 * import { classifyError } from "effect-llm-router/providers/classifyError"
 *
 * const failure = classifyError(caught, { deployment: "gpt-4o@openai", timeoutMs: 30_000 })
 * failure._tag // "RateLimited" | "Timeout" | "Unavailable" | ...
 *
 * @since 0.1.0
 */
export const classifyError = (error: unknown, context: FailureContext): ProviderFailure => {
  const { deployment } = context
  if (isProviderFailure(error)) return error
  if (error instanceof APIConnectionTimeoutError) {
    return new Timeout({
      deployment,
      afterMs: context.timeoutMs ?? 0,
      message: `${deployment}: no answer within ${context.timeoutMs ?? "the allowed"} ms`,
      cause: summary(error, context.secret)
    })
  }
  if (error instanceof APIUserAbortError) {
    return new Timeout({
      deployment,
      afterMs: context.timeoutMs ?? 0,
      message: `${deployment}: request aborted before an answer`,
      cause: summary(error, context.secret)
    })
  }
  if (error instanceof APIConnectionError) {
    return new Unavailable({
      deployment,
      message: `${deployment}: connection failed: ${maskSecrets(describe(error), context.secret)}`,
      cause: summary(error, context.secret)
    })
  }
  if (error instanceof APIError) return classifyStatus(error, context)
  if (error instanceof SyntaxError) {
    return new MalformedResponse({
      deployment,
      message: `${deployment}: the upstream body is not valid JSON: ${maskSecrets(error.message, context.secret)}`,
      cause: summary(error, context.secret)
    })
  }
  if (error instanceof Error && (connectionErrorCodes.test(describe(error)) || error.name === "TypeError")) {
    return new Unavailable({
      deployment,
      message: `${deployment}: connection failed: ${maskSecrets(describe(error), context.secret)}`,
      cause: summary(error, context.secret)
    })
  }
  return new MalformedResponse({
    deployment,
    message: `${deployment}: unexpected failure: ${maskSecrets(describe(error), context.secret)}`,
    cause: summary(error, context.secret)
  })
}

/**
 * A refusal delivered inside a successful response (`finish_reason: "content_filter"` with no
 * content) is a content-policy failure, not an answer.
 * @since 0.1.0
 */
export const contentFilteredAnswer = (
  deployment: string,
  finishReason: string | null | undefined,
  content: string | null | undefined
): ContentFiltered | undefined =>
  finishReason === "content_filter" && (content === null || content === undefined || content === "")
    ? new ContentFiltered({
        deployment,
        message: `${deployment}: the provider's content filter withheld the answer.`
      })
    : undefined
