/**
 * The one thing that talks to an LLM. A `Provider` calls a deployment with a chat-completions
 * request, as a single response or as a stream, and reports what it cost. Every failure is one of
 * the tagged `ProviderFailure`s; failover lives above this service, not in it.
 *
 * @since 0.1.0
 */
import type { Option, Scope, Stream } from "effect"
import { Context, Effect } from "effect"
import type {
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatCompletionResponse,
  Usage
} from "../core/ChatCompletion.ts"
import type { Deployment } from "../core/Deployment.ts"
import type { ProviderFailure } from "../core/Errors.ts"
import { pricesOf } from "../strategies/Prices.ts"

/**
 * A finished non-streaming call.
 * @since 0.1.0
 */
export interface Completion {
  readonly response: ChatCompletionResponse
  readonly usage: Usage
  /** Whether `usage` came from the provider (`"provider"`) or was counted locally (`"counted"`). */
  readonly usageSource: "provider" | "counted"
  /** USD, or `undefined` when the deployment's prices are unknown. */
  readonly costUsd: number | undefined
  readonly latencyMs: number
}

/**
 * What a stream reports after its last chunk.
 * @since 0.1.0
 */
export interface StreamSummary {
  readonly usage: Usage
  readonly usageSource: "provider" | "counted"
  readonly costUsd: number | undefined
  readonly latencyMs: number
  /** Time to the first content-bearing chunk. */
  readonly timeToFirstTokenMs: number
  readonly finishReason: string | null
}

/**
 * One event of a provider stream: chunks, then exactly one `Summary` when the upstream finished
 * properly (with a `finish_reason`). A stream that ends without its summary was cut.
 * @since 0.1.0
 */
export type ProviderStreamEvent =
  | { readonly _tag: "Chunk"; readonly chunk: ChatCompletionChunk }
  | { readonly _tag: "Summary"; readonly summary: StreamSummary }

/**
 * One event of an opened provider stream per run; fails with `None` after the last event.
 * @since 0.1.0
 */
export type ProviderStreamPull = Effect.Effect<ProviderStreamEvent, Option.Option<ProviderFailure>>

/**
 * The provider contract.
 * @since 0.1.0
 */
export interface ProviderShape {
  /**
   * One chat completion. Interrupting the effect aborts the HTTP request; `signal`, when given,
   * aborts it too.
   */
  readonly complete: (
    deployment: Deployment,
    request: ChatCompletionRequest,
    signal?: AbortSignal
  ) => Effect.Effect<Completion, ProviderFailure>
  /**
   * A streamed chat completion. The deployment's `timeoutMs` bounds the wait for the first chunk
   * and every gap between chunks; ending the stream early aborts the HTTP request.
   */
  readonly stream: (
    deployment: Deployment,
    request: ChatCompletionRequest
  ) => Stream.Stream<ProviderStreamEvent, ProviderFailure>
  /**
   * Optional: the same stream as a pull, opened in the caller's scope (closing it aborts the HTTP
   * request). The runner prefers it to `stream` when a provider has it: it saves a stream stage per
   * chunk. Its events must be exactly those `stream` would emit.
   */
  readonly open?: (
    deployment: Deployment,
    request: ChatCompletionRequest
  ) => Effect.Effect<ProviderStreamPull, ProviderFailure, Scope.Scope>
}

/**
 * The service that calls deployments.
 *
 * @example
 * import { Effect } from "effect"
 * import { Provider, OpenAICompatibleProvider } from "effect-llm-router/providers"
 *
 * const program = Effect.gen(function* () {
 *   const provider = yield* Provider.Provider
 *   const { response, costUsd } = yield* provider.complete(deployment, request)
 *   return response.choices[0]?.message.content
 * }).pipe(Effect.provide(OpenAICompatibleProvider.layer))
 *
 * @since 0.1.0
 */
export class Provider extends Context.Tag("effect-llm-router/Provider")<Provider, ProviderShape>() {}

/**
 * USD cost of a usage on a deployment, or `undefined` when prices are unknown.
 * @since 0.1.0
 */
export const costOf = (deployment: Deployment, usage: Usage): number | undefined => {
  const prices = pricesOf(deployment)
  return prices === undefined
    ? undefined
    : usage.prompt_tokens * prices.inputPerToken + usage.completion_tokens * prices.outputPerToken
}

/**
 * Accessor: calls `complete` on the provider in context.
 * @since 0.1.0
 */
export const complete = (
  deployment: Deployment,
  request: ChatCompletionRequest,
  signal?: AbortSignal
): Effect.Effect<Completion, ProviderFailure, Provider> =>
  Effect.flatMap(Provider, (provider) => provider.complete(deployment, request, signal))
