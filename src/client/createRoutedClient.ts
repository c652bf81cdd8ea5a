/**
 * `createRoutedClient`: a drop-in for the `openai` SDK's chat client that routes in process, like
 * RouteLLM's `Controller`. Promise code calls `client.chat.completions.create(...)` with the SDK's
 * own types; Effect code uses `client.runtime` or the same `RoutedChat` effects with `layer(...)`.
 * One `ManagedRuntime` per client, built on first use and disposed by `client.close()`.
 *
 * @since 0.1.0
 */
import type { Cause as CauseType } from "effect"
import { Cause, Chunk, Effect, Exit, ManagedRuntime, Scope } from "effect"
import type {
  ChatCompletion,
  ChatCompletionCreateParamsBase,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming
} from "openai/resources/chat/completions"
import type { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { ConfigError } from "../core/Errors.ts"
import type { ListedModel } from "../graph/LlmRouter.ts"
import { LlmRouter } from "../graph/LlmRouter.ts"
import { SessionAffinity } from "../state/SessionAffinity.ts"
import { missingCapabilities } from "./capabilityRouting.ts"
import type { RoutedCallError } from "./errors.ts"
import { CallAborted, ClientClosed, RoutedClientError } from "./errors.ts"
import type { LayerOptions, RoutedClientSource } from "./layer.ts"
import { layer } from "./layer.ts"
import type { CallOptions, RoutedChatServices, RoutedPlan, RouterDecision } from "./RoutedChat.ts"
import * as RoutedChat from "./RoutedChat.ts"
import { RoutedChatCompletionStream } from "./RoutedStream.ts"
import { fromCreateParams, toChatCompletion } from "./sdkTypes.ts"

/**
 * Client settings: the layer's (conversation policy, state, provider, sessions) plus defaults for
 * every call.
 * @since 0.1.0
 */
export interface RoutedClientOptions extends LayerOptions {
  /** Whether continuing conversations stick to the deployment that answered them (default `true`). */
  readonly sticky?: boolean
  /** Default most deployment calls per run, retries included. */
  readonly maxAttempts?: number
  /** Default deadline of a run in ms (streams: until the first chunk). */
  readonly timeoutMs?: number
}

/**
 * Per-call options (the second argument of `create`, like the SDK's request options).
 * @since 0.1.0
 */
export interface RoutedRequestOptions extends CallOptions {
  /** Aborts the call (and its upstream request); the promise rejects with `CallAborted`. */
  readonly signal?: AbortSignal
}

/**
 * The SDK's `ChatCompletion` with the decision trace on a non-enumerable `router` property: it is
 * there for code that asks, and absent from `JSON.stringify` and object spreads.
 * @since 0.1.0
 */
export type RoutedChatCompletion = ChatCompletion & { readonly router: RouterDecision }

/**
 * What `client.route` takes: a request as `create` would get it.
 * @since 0.1.0
 */
export type RouteRequest = Pick<ChatCompletionCreateParamsBase, "model" | "messages"> &
  Partial<ChatCompletionCreateParamsBase>

/**
 * The chat completions of a routed client, typed like the SDK's.
 * @since 0.1.0
 */
export interface RoutedCompletions {
  create(
    body: ChatCompletionCreateParamsNonStreaming,
    options?: RoutedRequestOptions
  ): Promise<RoutedChatCompletion>
  create(
    body: ChatCompletionCreateParamsStreaming,
    options?: RoutedRequestOptions
  ): Promise<RoutedChatCompletionStream>
  create(
    body: ChatCompletionCreateParamsBase,
    options?: RoutedRequestOptions
  ): Promise<RoutedChatCompletion | RoutedChatCompletionStream>
}

/**
 * A routed client.
 * @since 0.1.0
 */
export interface RoutedClient {
  readonly chat: { readonly completions: RoutedCompletions }
  /** The plan for a request, without calling any model: `plan.model` is the routed model. */
  readonly route: (body: RouteRequest, options?: CallOptions) => Promise<RoutedPlan>
  readonly models: { readonly list: () => Promise<ReadonlyArray<ListedModel>> }
  /** Unbinds a session, so its next turn is routed afresh. */
  readonly forgetSession: (key: string) => Promise<void>
  /** The client's runtime, for Effect code: `client.runtime.runPromise(RoutedChat.complete(...))`. */
  readonly runtime: ManagedRuntime.ManagedRuntime<RoutedChatServices, ConfigError>
  /** Builds the runtime now (loads the config), instead of on the first call. */
  readonly ready: () => Promise<void>
  /**
   * Ends in-flight calls (they reject with `ClientClosed`, their upstream requests are aborted),
   * closes open streams and disposes the runtime. Idempotent; later calls reject with `ClientClosed`.
   */
  readonly close: () => Promise<void>
}

const withDecision = <A extends object>(
  value: A,
  decision: RouterDecision
): A & { readonly router: RouterDecision } =>
  Object.defineProperty(value, "router", { value: decision, enumerable: false, configurable: true }) as A & {
    readonly router: RouterDecision
  }

/**
 * Creates a routed client over a config file, a loaded config, a config object or a single route.
 * `model` in each request is a route name or RouteLLM's `router-<router>-<threshold>`.
 *
 * @example
 * import { createRoutedClient } from "effect-llm-router"
 *
 * const client = createRoutedClient("router.config.yaml")
 * const completion = await client.chat.completions.create({
 *   model: "router-mf-0.116",
 *   messages: [{ role: "user", content: "Prove that there are infinitely many primes." }]
 * })
 * console.log(completion.choices[0]?.message.content, completion.router.answeredBy)
 *
 * const stream = await client.chat.completions.create({ model: "main", messages, stream: true })
 * for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? "")
 * console.log(stream.router.trace.usage)
 *
 * const plan = await client.route({ model: "router-mf-0.116", messages }) // no model is called
 * console.log(plan.model, plan.deployment)
 * await client.close()
 *
 * @since 0.1.0
 */
export const createRoutedClient = (
  source: RoutedClientSource,
  options: RoutedClientOptions = {}
): RoutedClient => {
  const runtime = ManagedRuntime.make(layer(source, options))
  const calls = new Set<AbortController>()
  const pending = new Set<Promise<unknown>>()
  const streams = new Set<RoutedChatCompletionStream>()
  let closing: Promise<void> | undefined

  const callOptions = (given: CallOptions = {}) => ({
    defaultSticky: options.sticky ?? true,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...given
  })

  const toError = (
    cause: CauseType.Cause<RoutedCallError>,
    request: ChatCompletionRequest | undefined
  ): Error => {
    const failure = Cause.failureOption(cause)
    if (failure._tag === "Some") {
      const error = failure.value
      const missing =
        request !== undefined && error._tag === "NoRouteAvailable" ? missingCapabilities(request, error) : []
      return new RoutedClientError(error, missing)
    }
    if (Cause.isInterruptedOnly(cause)) {
      return new RoutedClientError(
        closing === undefined
          ? new CallAborted({ message: "The call was aborted by its signal." })
          : new ClientClosed({ message: "The routed client was closed while the call ran." })
      )
    }
    // A defect: a bug, not a routing outcome; surface it as it is.
    const defect = Cause.squash(cause)
    return defect instanceof Error ? defect : new Error(Cause.pretty(cause))
  }

  /** Runs one call on the runtime, abortable by its signal and by `close()`. */
  const run = async <A>(
    effect: (
      decoded: (request: ChatCompletionRequest) => void
    ) => Effect.Effect<A, RoutedCallError, RoutedChatServices>,
    signal: AbortSignal | undefined
  ): Promise<A> => {
    if (closing !== undefined) {
      throw new RoutedClientError(
        new ClientClosed({ message: "The routed client is closed; create a new one." })
      )
    }
    const controller = new AbortController()
    const abort = () => controller.abort()
    if (signal?.aborted === true) controller.abort()
    signal?.addEventListener("abort", abort)
    calls.add(controller)
    let request: ChatCompletionRequest | undefined
    const running = runtime.runPromiseExit(
      effect((decoded) => (request = decoded)),
      { signal: controller.signal }
    )
    pending.add(running)
    try {
      const exit = await running
      if (Exit.isSuccess(exit)) return exit.value
      throw toError(exit.cause, request)
    } finally {
      pending.delete(running)
      calls.delete(controller)
      signal?.removeEventListener("abort", abort)
    }
  }

  const decode = (body: RouteRequest, remember: (request: ChatCompletionRequest) => void) =>
    Effect.tap(fromCreateParams(body), (request) => Effect.sync(() => remember(request)))

  const complete = (body: ChatCompletionCreateParamsBase, given: RoutedRequestOptions | undefined) =>
    run(
      (remember) =>
        Effect.flatMap(decode(body, remember), (request) =>
          Effect.map(RoutedChat.complete(request, callOptions(given)), ({ response, decision }) =>
            withDecision(toChatCompletion(response), decision)
          )
        ),
      given?.signal
    )

  const openStream = (body: ChatCompletionCreateParamsBase, given: RoutedRequestOptions | undefined) =>
    run(
      (remember) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function* () {
            const request = yield* decode(body, remember)
            const scope = yield* Scope.make()
            const opened = yield* Effect.exit(
              restore(
                Scope.extend(
                  Effect.map(RoutedChat.open(request, callOptions(given)), (routed) => ({
                    routed,
                    pull: Effect.map(routed.run.next, Chunk.of)
                  })),
                  scope
                )
              )
            )
            if (Exit.isFailure(opened)) {
              yield* Scope.close(scope, opened)
              return yield* Effect.failCause(opened.cause)
            }
            const { routed, pull } = opened.value
            const stream: RoutedChatCompletionStream = new RoutedChatCompletionStream({
              scope,
              pull,
              decision: routed.decision,
              finalDecision: routed.finalDecision,
              toError: (cause) => toError(cause, request),
              onDone: () => void streams.delete(stream)
            })
            streams.add(stream)
            return stream
          })
        ),
      given?.signal
    ).then((stream) => {
      given?.signal?.addEventListener("abort", () => stream.controller.abort(), { once: true })
      return stream
    })

  function create(
    body: ChatCompletionCreateParamsNonStreaming,
    given?: RoutedRequestOptions
  ): Promise<RoutedChatCompletion>
  function create(
    body: ChatCompletionCreateParamsStreaming,
    given?: RoutedRequestOptions
  ): Promise<RoutedChatCompletionStream>
  function create(
    body: ChatCompletionCreateParamsBase,
    given?: RoutedRequestOptions
  ): Promise<RoutedChatCompletion | RoutedChatCompletionStream>
  function create(
    body: ChatCompletionCreateParamsBase,
    given?: RoutedRequestOptions
  ): Promise<RoutedChatCompletion | RoutedChatCompletionStream> {
    return body.stream === true ? openStream(body, given) : complete(body, given)
  }

  return {
    chat: { completions: { create } },
    route: (body, given) =>
      run(
        (remember) =>
          Effect.flatMap(decode(body, remember), (request) => RoutedChat.plan(request, callOptions(given))),
        undefined
      ),
    models: { list: () => run(() => Effect.map(LlmRouter, (router) => router.models()), undefined) },
    forgetSession: (key) =>
      run(() => Effect.flatMap(SessionAffinity, (sessions) => sessions.forget(key)), undefined),
    runtime,
    ready: () => run(() => Effect.void, undefined),
    close: () =>
      (closing ??= (async () => {
        for (const controller of calls) controller.abort()
        await Promise.allSettled([...pending, ...[...streams].map((stream) => stream.closeByClient())])
        await runtime.dispose()
      })())
  }
}
