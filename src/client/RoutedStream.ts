/**
 * A routed stream for Promise code: an `AsyncIterable` of the SDK's `ChatCompletionChunk`, like the
 * SDK's `Stream`, with a `controller` to abort it and the decision trace on `router`.
 *
 * @since 0.1.0
 */
import type { Option } from "effect"
import { Cause, Chunk, Effect, Exit, FiberId, Scope } from "effect"
import type { ChatCompletionChunk as SdkChatCompletionChunk } from "openai/resources/chat/completions"
import type { ChatCompletionChunk } from "../core/ChatCompletion.ts"
import type { StreamInterrupted } from "../core/Errors.ts"
import type { RouterDecision } from "./RoutedChat.ts"
import { toChatCompletionChunk } from "./sdkTypes.ts"

/**
 * How a stream's chunks are pulled: set up by the client once the stream has opened.
 * @since 0.1.0
 */
export interface StreamSource {
  readonly scope: Scope.CloseableScope
  readonly pull: Effect.Effect<Chunk.Chunk<ChatCompletionChunk>, Option.Option<StreamInterrupted>>
  readonly decision: RouterDecision
  readonly finalDecision: Effect.Effect<RouterDecision, StreamInterrupted>
  /** Turns a failure (or an interruption, when the client closed) into the caller's error. */
  readonly toError: (cause: Cause.Cause<StreamInterrupted>) => Error
  /** Called once when the stream is over, however it ended. */
  readonly onDone: () => void
}

/**
 * A stream of chunks of one routed answer. Iterate it once. Breaking out of the loop,
 * `controller.abort()` or `close()` closes the upstream request and ends the iteration quietly (as
 * the SDK does); `client.close()` ends it with `ClientClosed`. A stream that breaks upstream after
 * chunks were delivered fails with `StreamInterrupted`, never with a clean, truncated end.
 * @since 0.1.0
 */
export class RoutedChatCompletionStream implements AsyncIterable<SdkChatCompletionChunk> {
  /** Aborts the stream and its upstream HTTP request. */
  readonly controller = new AbortController()
  #decision: RouterDecision
  #closedByClient = false
  #finished: Promise<void> | undefined
  #iterating = false
  readonly #source: StreamSource

  constructor(source: StreamSource) {
    this.#source = source
    this.#decision = source.decision
    this.controller.signal.addEventListener("abort", () => void this.#finish())
  }

  /**
   * The decision trace: at first the plan and the attempts up to the opening of the stream; after
   * the last chunk, the final trace (usage, cost, latency).
   */
  get router(): RouterDecision {
    return this.#decision
  }

  #finish(): Promise<void> {
    this.#finished ??= Effect.runPromise(Scope.close(this.#source.scope, Exit.void)).then(this.#source.onDone)
    return this.#finished
  }

  async *#chunks(): AsyncGenerator<SdkChatCompletionChunk> {
    try {
      while (true) {
        // As with the SDK, a stream its reader aborted ends quietly; one the client closed fails.
        if (this.controller.signal.aborted) {
          if (this.#closedByClient) throw this.#source.toError(Cause.interrupt(FiberId.none))
          return
        }
        const exit = await Effect.runPromiseExit(this.#source.pull, { signal: this.controller.signal })
        if (Exit.isSuccess(exit)) {
          for (const chunk of Chunk.toReadonlyArray(exit.value)) yield toChatCompletionChunk(chunk)
          continue
        }
        const failure = Cause.failureOption(exit.cause)
        if (failure._tag === "Some" && failure.value._tag === "None") {
          const final = await Effect.runPromiseExit(this.#source.finalDecision)
          if (Exit.isSuccess(final)) this.#decision = final.value
          return
        }
        if (Cause.isInterruptedOnly(exit.cause) && this.controller.signal.aborted) continue
        // The end of the stream (`None`) was handled above; what is left is a failure.
        throw this.#source.toError(
          Cause.flatMap(exit.cause, (error) =>
            error._tag === "Some" ? Cause.fail(error.value) : Cause.empty
          )
        )
      }
    } finally {
      await this.#finish()
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<SdkChatCompletionChunk> {
    if (this.#iterating) throw new Error("A routed stream can be iterated only once.")
    this.#iterating = true
    return this.#chunks()
  }

  /** Closes the stream without reading the rest (as breaking out of a `for await` does). */
  close(): Promise<void> {
    this.controller.abort()
    return this.#finish()
  }

  /** Ends the stream because its client is closing: a reader still iterating gets `ClientClosed`. */
  closeByClient(): Promise<void> {
    this.#closedByClient = true
    return this.close()
  }
}
