/**
 * Server-sent events in the OpenAI streaming format: one `data: <chunk JSON>` event per chunk and
 * `data: [DONE]` after the last one. A stream that fails after it started ends with an error event
 * (`data: {"error": {...}}`) and no `[DONE]`, which the OpenAI SDKs raise as an `APIError`: a
 * broken upstream never looks like a complete, shorter answer.
 *
 * @since 0.1.0
 */
import { Effect, Option, Stream } from "effect"
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
 * Encodes chunks as SSE bytes: chunks, then `[DONE]` on success, or one error event on failure
 * (`describe` turns the failure into the OpenAI error body). The chunks come from a pull (one chunk
 * per run, failing with `None` after the last, as `Runner.StreamRun.next`), so the whole encoding is
 * one stream stage rather than one per operator: this runs once per token on the server.
 *
 * @example
 * import { Sse } from "effect-llm-router/server"
 *
 * const bytes = Sse.encode(running.next, (failure) => ({ error: { message: failure.message, type: "upstream_error", param: null, code: null } }))
 *
 * @since 0.1.0
 */
export const encode = <A, E>(
  next: Effect.Effect<A, Option.Option<E>>,
  describe: (failure: E) => ErrorBody
): Stream.Stream<Uint8Array> =>
  Stream.suspend(() => {
    let ended = false
    const last = (failure: Option.Option<E>) => {
      ended = true
      return Effect.succeed(Option.isNone(failure) ? done : event(describe(failure.value)))
    }
    const pull: Effect.Effect<Uint8Array, Option.Option<never>> = Effect.suspend(() =>
      ended
        ? Effect.fail(Option.none())
        : Effect.matchEffect(next, { onSuccess: (chunk) => Effect.succeed(event(chunk)), onFailure: last })
    )
    return Stream.repeatEffectOption(pull)
  })
