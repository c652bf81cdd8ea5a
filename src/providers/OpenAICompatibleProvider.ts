/**
 * The `Provider` for every OpenAI-compatible endpoint, over the official `openai` SDK.
 *
 * - the base URL and extra headers come from the deployment; the API key is read as a `Redacted`
 *   from the environment variable the deployment names, and never logged;
 * - the SDK's own retries are off (failover decides), and interruption aborts the HTTP request: the
 *   SDK receives an `AbortSignal` that Effect fires when the fiber is interrupted, so a hedge loser
 *   or a timed-out attempt closes its socket;
 * - the deployment's `timeoutMs` bounds a call (non-streaming, `withDeadline`), or the wait for the
 *   answer's headers and every gap between chunks (streaming: one `IdleDeadline` watchdog per
 *   stream, not a race per chunk);
 * - responses and chunks are decoded with the wire Schemas; streams ask for
 *   `stream_options.include_usage` and fall back to counting tokens when the upstream sends none;
 * - the body is serialized here, before the SDK sends it, so that a request that cannot be built
 *   is told apart from an upstream failure: it is a `RequestNotSent` defect, which failover does
 *   not retry, fall back on or count against the deployment.
 *
 * @since 0.1.0
 */
import type { Scope } from "effect"
import { Clock, Config, Effect, Either, Layer, Option, Redacted, Schema, Stream } from "effect"
import OpenAI from "openai"
import type { Stream as SdkStream } from "openai/streaming"
import type { ChatCompletionRequest, Usage } from "../core/ChatCompletion.ts"
import { ChatCompletionChunk, ChatCompletionResponse } from "../core/ChatCompletion.ts"
import type { Deployment } from "../core/Deployment.ts"
import type { ProviderFailure } from "../core/Errors.ts"
import { AuthFailed, MalformedResponse, RequestNotSent, Timeout, Unavailable } from "../core/Errors.ts"
import { countPromptTokens, countTokens, encodingForModel } from "../core/Tokens.ts"
import { classifyError, contentFilteredAnswer } from "./classifyError.ts"
import { withDeadline } from "./Deadline.ts"
import * as IdleDeadline from "./IdleDeadline.ts"
import type { Completion, ProviderShape, ProviderStreamEvent, ProviderStreamPull } from "./Provider.ts"
import { costOf, Provider } from "./Provider.ts"

/** Used when neither the deployment nor the environment names a timeout (matches the SDK). */
const defaultTimeoutMs = 10 * 60 * 1000
const defaultBaseUrl = "https://api.openai.com/v1"

const apiKeyOf = (deployment: Deployment): Effect.Effect<Redacted.Redacted<string>, AuthFailed> =>
  deployment.apiKeyEnv === undefined
    ? Effect.succeed(Redacted.make("no-key"))
    : Config.redacted(deployment.apiKeyEnv).pipe(
        Effect.mapError(
          () =>
            new AuthFailed({
              deployment: deployment.id,
              message: `${deployment.id}: the environment variable ${deployment.apiKeyEnv} (API key) is not set.`
            })
        )
      )

const decodeResponse = Schema.decodeUnknown(ChatCompletionResponse)
// Synchronous: a chunk is decoded without a round through the Effect runtime.
const decodeChunk = Schema.decodeUnknownEither(ChatCompletionChunk)

/**
 * The body sent upstream: the caller's request (already decoded with `ChatCompletionRequest`, and
 * passed through with the fields the router does not read) with the deployment's model name.
 */
const completionBody = (deployment: Deployment, request: ChatCompletionRequest) => {
  const { stream: _stream, stream_options: _options, ...rest } = request
  return { ...rest, model: deployment.model, stream: false }
}
const streamBody = (deployment: Deployment, request: ChatCompletionRequest) => {
  const { stream: _stream, stream_options: _options, ...rest } = request
  return { ...rest, model: deployment.model, stream: true, stream_options: { include_usage: true } }
}

/**
 * Serializes a body before anything is sent. The SDK would serialize it too, but a failure inside
 * the SDK call cannot be told apart from the upstream's, and was reported as the deployment's
 * `MalformedResponse`: retried on every deployment and cooling them all down for one bad request.
 */
const serialize = (deployment: Deployment, body: object): Effect.Effect<string> =>
  Effect.try({
    try: () => JSON.stringify(body),
    catch: (cause) =>
      new RequestNotSent({
        deployment: deployment.id,
        message: `${deployment.id}: the request could not be serialized for the upstream (${cause instanceof Error ? cause.message.slice(0, 200) : "unknown error"}); nothing was sent.`,
        cause
      })
  }).pipe(Effect.orDie)

/** The SDK sends a string body as is when its content type is given. */
const jsonHeaders = { "content-type": "application/json" }

const countedUsage = (deployment: Deployment, request: ChatCompletionRequest, output: string): Usage => {
  const encoding = encodingForModel(deployment.model)
  const prompt = countPromptTokens(request, encoding)
  const completion = countTokens(output, encoding)
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}

const timeoutOf = (deployment: Deployment) => deployment.timeoutMs ?? defaultTimeoutMs

/**
 * Builds the provider. Clients are cached per deployment id and key.
 *
 * @since 0.1.0
 */
export const make = (): ProviderShape => {
  const clients = new Map<string, { readonly key: string; readonly client: OpenAI }>()
  const clientFor = (deployment: Deployment) =>
    Effect.map(apiKeyOf(deployment), (redacted) => {
      const key = Redacted.value(redacted)
      const cacheKey = `${deployment.id}|${deployment.baseUrl ?? ""}`
      const cached = clients.get(cacheKey)
      if (cached !== undefined && cached.key === key) return { client: cached.client, secret: key }
      const client = new OpenAI({
        apiKey: key,
        baseURL: deployment.baseUrl ?? defaultBaseUrl,
        defaultHeaders: deployment.headers ?? {},
        maxRetries: 0,
        // A backstop only: Effect's own timeout fires first and aborts the request.
        timeout: timeoutOf(deployment) + 1_000
      })
      clients.set(cacheKey, { key, client })
      return { client, secret: key }
    })

  const timeoutFailure = (deployment: Deployment, what: string) => () =>
    new Timeout({
      deployment: deployment.id,
      afterMs: timeoutOf(deployment),
      message: `${deployment.id}: ${what} within ${timeoutOf(deployment)} ms`
    })

  const complete = (deployment: Deployment, request: ChatCompletionRequest, signal?: AbortSignal) =>
    Effect.gen(function* () {
      const { client, secret } = yield* clientFor(deployment)
      const started = yield* Clock.currentTimeMillis
      const context = { deployment: deployment.id, timeoutMs: timeoutOf(deployment), nowMs: started, secret }
      const body = yield* serialize(deployment, completionBody(deployment, request))
      const raw = yield* Effect.tryPromise({
        try: (abort) => {
          const merged = signal === undefined ? abort : AbortSignal.any([abort, signal])
          return client.post<unknown>("/chat/completions", {
            body,
            headers: jsonHeaders,
            stream: false,
            signal: merged
          })
        },
        catch: (error) => classifyError(error, context)
      }).pipe((self) => withDeadline(self, timeoutOf(deployment), timeoutFailure(deployment, "no answer")))
      const response = yield* decodeResponse(raw).pipe(
        Effect.mapError(
          (error) =>
            new MalformedResponse({
              deployment: deployment.id,
              message: `${deployment.id}: the upstream answer is not a chat completion: ${error.message.slice(0, 300)}`
            })
        )
      )
      const choice = response.choices[0]
      const refused = contentFilteredAnswer(deployment.id, choice?.finish_reason, choice?.message.content)
      if (refused !== undefined) return yield* refused
      const finished = yield* Clock.currentTimeMillis
      const usage = response.usage ?? countedUsage(deployment, request, choice?.message.content ?? "")
      const completion: Completion = {
        response,
        usage,
        usageSource: response.usage ? "provider" : "counted",
        costUsd: costOf(deployment, usage),
        latencyMs: finished - started
      }
      return completion
    }).pipe(
      Effect.withSpan("OpenAICompatibleProvider.complete", { attributes: { deployment: deployment.id } })
    )

  const open = (
    deployment: Deployment,
    request: ChatCompletionRequest
  ): Effect.Effect<ProviderStreamPull, ProviderFailure, Scope.Scope> =>
    Effect.gen(function* () {
      yield* Effect.makeSpanScoped("OpenAICompatibleProvider.stream", {
        attributes: { deployment: deployment.id }
      })
      const { client, secret } = yield* clientFor(deployment)
      const body = yield* serialize(deployment, streamBody(deployment, request))
      // Closing the stream's scope early (error, interruption, a caller that stopped reading) aborts
      // the HTTP request. A body read to its end needs no abort (which costs an exception object and
      // the SDK's abort listeners on every stream).
      const answer = { read: false }
      const controller = yield* Effect.acquireRelease(
        Effect.sync(() => new AbortController()),
        (controller) => Effect.sync(() => (answer.read ? undefined : controller.abort()))
      )
      const started = yield* Clock.currentTimeMillis
      const context = {
        deployment: deployment.id,
        timeoutMs: timeoutOf(deployment),
        nowMs: started,
        secret
      }
      // One watchdog for the whole stream: the answer's headers, then every gap between chunks.
      const deadline = yield* IdleDeadline.make(timeoutOf(deployment), () => controller.abort())
      const classify = (error: unknown) => classifyError(error, context)
      const sdkStream = yield* deadline.wait(
        () =>
          client.post<SdkStream<unknown>>("/chat/completions", {
            body,
            headers: jsonHeaders,
            stream: true,
            signal: controller.signal
          }),
        classify,
        timeoutFailure(deployment, "no first chunk")
      )
      const iterator = sdkStream[Symbol.asyncIterator]()
      const noNextChunk = timeoutFailure(deployment, "no next chunk")
      const forwardUsage = request.stream_options?.include_usage === true
      const state = {
        finished: false,
        finishReason: null as string | null,
        sawFinish: false,
        firstTokenAt: undefined as number | undefined,
        usage: undefined as Usage | undefined,
        text: [] as Array<string>
      }
      const pull: Effect.Effect<ProviderStreamEvent, Option.Option<ProviderFailure>> = Effect.gen(
        function* () {
          while (true) {
            if (state.finished) return yield* Effect.fail(Option.none())
            const next = yield* deadline
              .wait(() => iterator.next(), classify, noNextChunk)
              .pipe(Effect.mapError(Option.some))
            const now = yield* Clock.currentTimeMillis
            if (next.done === true) {
              state.finished = true
              answer.read = true
              if (!state.sawFinish) {
                return yield* Effect.fail(
                  Option.some(
                    new Unavailable({
                      deployment: deployment.id,
                      message: `${deployment.id}: the stream ended before its finish_reason`
                    })
                  )
                )
              }
              const usage = state.usage ?? countedUsage(deployment, request, state.text.join(""))
              return {
                _tag: "Summary",
                summary: {
                  usage,
                  usageSource: state.usage ? "provider" : "counted",
                  costUsd: costOf(deployment, usage),
                  latencyMs: now - started,
                  timeToFirstTokenMs: (state.firstTokenAt ?? now) - started,
                  finishReason: state.finishReason
                }
              } as const
            }
            const decoded = decodeChunk(next.value)
            if (Either.isLeft(decoded)) {
              return yield* Effect.fail(
                Option.some(
                  new MalformedResponse({
                    deployment: deployment.id,
                    message: `${deployment.id}: a stream chunk is not a chat-completion chunk: ${decoded.left.message.slice(0, 300)}`
                  })
                )
              )
            }
            const chunk = decoded.right
            if (chunk.usage) state.usage = chunk.usage
            for (const choice of chunk.choices) {
              const content = choice.delta.content
              if ((content ?? "") !== "" || (choice.delta.tool_calls?.length ?? 0) > 0)
                state.firstTokenAt ??= now
              if (content) state.text.push(content)
              if (choice.finish_reason !== undefined && choice.finish_reason !== null) {
                state.sawFinish = true
                state.finishReason = choice.finish_reason
                const refused = contentFilteredAnswer(
                  deployment.id,
                  choice.finish_reason,
                  state.text.join("")
                )
                if (refused !== undefined) return yield* Effect.fail(Option.some(refused))
              }
            }
            if (chunk.choices.length === 0 && !forwardUsage) continue
            return { _tag: "Chunk", chunk } as const
          }
        }
      )
      return pull
    })

  const stream = (
    deployment: Deployment,
    request: ChatCompletionRequest
  ): Stream.Stream<ProviderStreamEvent, ProviderFailure> =>
    Stream.unwrapScoped(Effect.map(open(deployment, request), Stream.repeatEffectOption))

  return { complete, stream, open }
}

/**
 * The provider layer.
 *
 * @example
 * import { Effect } from "effect"
 * import { OpenAICompatibleProvider, Provider } from "effect-llm-router/providers"
 *
 * Provider.complete(deployment, request).pipe(Effect.provide(OpenAICompatibleProvider.layer))
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Provider> = Layer.sync(Provider, make)
