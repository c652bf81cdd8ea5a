/**
 * Server-sent events in the OpenAI streaming format: one `data: <chunk JSON>` event per chunk and
 * `data: [DONE]` after the last one. A stream that fails after it started ends with an error event
 * (`data: {"error": {...}}`) and no `[DONE]`, which the OpenAI SDKs raise as an `APIError`: a
 * broken upstream never looks like a complete, shorter answer.
 *
 * @since 0.1.0
 */
import { Stream } from "effect"
import type { ErrorBody } from "./Domain.ts"

const encoder = new TextEncoder()

/** @since 0.1.0 */
export const contentType = "text/event-stream; charset=utf-8"

/**
 * One `data:` event.
 * @since 0.1.0
 */
export const event = (data: unknown): Uint8Array => encoder.encode(`data: ${JSON.stringify(data)}\n\n`)

/** @since 0.1.0 */
export const done: Uint8Array = encoder.encode("data: [DONE]\n\n")

/**
 * Encodes a stream of chunks as SSE bytes: chunks, then `[DONE]` on success, or one error event on
 * failure (`describe` turns the failure into the OpenAI error body).
 *
 * @example
 * import { Stream } from "effect"
 * import { Sse } from "effect-llm-router/server"
 *
 * const bytes = Sse.encode(chunks, (failure) => ({ error: { message: failure.message, type: "upstream_error", param: null, code: null } }))
 *
 * @since 0.1.0
 */
export const encode = <A, E>(
  chunks: Stream.Stream<A, E>,
  describe: (failure: E) => ErrorBody
): Stream.Stream<Uint8Array> =>
  chunks.pipe(
    Stream.map(event),
    Stream.concat(Stream.succeed(done)),
    Stream.catchAll((failure) => Stream.succeed(event(describe(failure))))
  )
