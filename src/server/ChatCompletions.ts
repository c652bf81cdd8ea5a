/**
 * `POST /v1/chat/completions` and `POST /v1/route`: decode the request, resolve its `model` to a
 * route, then plan it (`LlmRouter.plan`) or plan and run it with failover (`LlmRouter.run`, or
 * `LlmRouter.stream` for server-sent events). The decision goes into response headers, metrics and one
 * structured log line; never the prompt, never a key.
 *
 * @since 0.1.0
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Clock, Effect, Exit, Option, Scope, Stream } from "effect"
import { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { AllAttemptsFailed } from "../core/Errors.ts"
import { isProviderFailure } from "../core/Errors.ts"
import type { Plan } from "../core/Plan.ts"
import type * as Runner from "../fallback/Runner.ts"
import type { RequestOptions } from "../graph/LlmRouter.ts"
import type { RunTrace } from "../fallback/Trace.ts"
import { attemptsMade } from "../fallback/Trace.ts"
import { LlmRouter } from "../graph/LlmRouter.ts"
import { toJson } from "../graph/PlanFormat.ts"
import * as DecisionHeaders from "./DecisionHeaders.ts"
import type { ServerFailure } from "./HttpErrors.ts"
import { describe, UnknownModel } from "./HttpErrors.ts"
import * as RequestBody from "./RequestBody.ts"
import * as ServerMetrics from "./ServerMetrics.ts"
import { Settings } from "./ServerSettings.ts"
import * as Sse from "./Sse.ts"

/**
 * What the handlers need.
 * @since 0.1.0
 */
export type Requirements = Runner.Requirements | LlmRouter | Settings | HttpServerRequest.HttpServerRequest

/**
 * Lets a handler tell the request counter which route it served.
 * @since 0.1.0
 */
export interface RouteLabel {
  route: string
}

const decodeRequest = (label: RouteLabel) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const router = yield* LlmRouter
    const request = yield* RequestBody.decode(ChatCompletionRequest, settings.maxBodyBytes)
    const unknown = (message: string) => new UnknownModel({ model: request.model, message })
    // `routes` is a plain object: names like `toString` must not resolve to its prototype.
    if (request.model in Object.prototype && !Object.hasOwn(router.config.routes, request.model)) {
      return yield* unknown(
        `unknown model '${request.model}': the router serves ${Object.keys(router.config.routes).join(", ")}`
      )
    }
    yield* router.resolve(request.model).pipe(Effect.mapError((error) => unknown(error.message)))
    label.route = request.model
    yield* Effect.annotateCurrentSpan({
      "router.route": request.model,
      "router.stream": request.stream === true
    })
    // A conversation's session key: this header, else the body's metadata.session_id, else `user`.
    const headers = (yield* HttpServerRequest.HttpServerRequest).headers
    const session = headers[sessionHeader]
    return {
      request,
      router,
      settings,
      session: session === undefined || session === "" ? undefined : session
    }
  })

/**
 * The request header that names a conversation, so that its turns stick to one deployment.
 * @since 0.1.0
 */
export const sessionHeader = "x-session-id"

const runOptions = (settings: Settings["Type"], session: string | undefined): RequestOptions => ({
  ...(settings.maxAttempts === undefined ? {} : { maxAttempts: settings.maxAttempts }),
  ...(settings.requestTimeoutMs === undefined ? {} : { timeoutMs: settings.requestTimeoutMs }),
  ...(session === undefined ? {} : { session })
})

const logDecision = (route: string, plan: Plan | undefined, trace: RunTrace, outcome: string) =>
  Effect.logInfo("request routed").pipe(
    Effect.annotateLogs({
      route,
      outcome,
      deployment: trace.answeredBy ?? "-",
      attempts: attemptsMade(trace),
      failures: trace.attempts
        .flatMap((a) => (a.failure === undefined ? [] : [`${a.deployment}=${a.failure}`]))
        .join(","),
      ...(plan?.winRate === undefined
        ? {}
        : { winRate: Number(plan.winRate.toFixed(4)), strong: plan.strong ?? false }),
      ...(trace.costUsd === undefined ? {} : { costUsd: trace.costUsd }),
      ...(trace.usage === undefined ? {} : { totalTokens: trace.usage.total_tokens }),
      latencyMs: Math.round(trace.latencyMs),
      ...(trace.timeToFirstTokenMs === undefined ? {} : { ttftMs: Math.round(trace.timeToFirstTokenMs) })
    })
  )

/** Metrics and a log line for a run in which nothing answered. */
const recordAllFailed = (route: string, error: AllAttemptsFailed, startedAtMs: number) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const trace: RunTrace = {
      route,
      latencyMs: now - startedAtMs,
      attempts: error.failures.map((failure) => ({
        deployment: failure.deployment,
        path: "",
        outcome: "failed" as const,
        failure: failure._tag,
        startedAtMs
      }))
    }
    yield* ServerMetrics.recordTrace(route, trace)
    yield* ServerMetrics.recordLatency(route, now - startedAtMs)
    yield* logDecision(route, error.plan, trace, "all attempts failed").pipe(
      // Provider messages are built from status codes and upstream messages, never from keys.
      Effect.annotateLogs(
        "detail",
        error.failures
          .map((failure) => failure.message)
          .join(" | ")
          .slice(0, 1000)
      )
    )
  })

const streamed = (request: ChatCompletionRequest, options: RequestOptions, startedAtMs: number) =>
  Effect.gen(function* () {
    const router = yield* LlmRouter
    const scope = yield* Scope.make()
    const running = yield* router.stream(request, options).pipe(
      Scope.extend(scope),
      Effect.onExit((exit) => (Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void))
    )
    const { plan } = running
    yield* ServerMetrics.recordThreshold(plan.route, plan.strong)
    const settle = Effect.gen(function* () {
      const result = yield* Effect.exit(running.result)
      const now = yield* Clock.currentTimeMillis
      yield* ServerMetrics.recordLatency(plan.route, now - startedAtMs)
      if (Exit.isSuccess(result)) {
        const cancelled = result.value.attempts.some((a) => a.outcome === "cancelled")
        yield* ServerMetrics.recordTrace(plan.route, result.value)
        yield* logDecision(plan.route, plan, result.value, cancelled ? "cancelled" : "streamed")
      } else {
        yield* ServerMetrics.recordTrace(plan.route, running.trace)
        const upstream = Option.flatMap(Cause.failureOption(result.cause), (interrupted) =>
          isProviderFailure(interrupted.cause) ? Option.some(interrupted.cause) : Option.none()
        )
        const kind = Option.match(upstream, { onNone: () => "-", onSome: (failure) => failure._tag })
        yield* Effect.logWarning("stream interrupted after it started").pipe(
          Effect.annotateLogs({ route: plan.route, deployment: running.deployment.id, kind })
        )
        // The upstream's own words stay out of the client's error event. Provider messages have any
        // key masked (`classifyError`); they are still the upstream's text, so debug level only.
        if (Option.isSome(upstream))
          yield* Effect.logDebug("stream interruption detail").pipe(
            Effect.annotateLogs({
              route: plan.route,
              deployment: running.deployment.id,
              detail: upstream.value.message.slice(0, 1000)
            })
          )
      }
    })
    // Closing the run's scope first settles the trace of a stream the caller abandoned.
    const body = Sse.encode(running.next, (failure) => describe(failure).body).pipe(
      Stream.ensuring(Effect.zipRight(Scope.close(scope, Exit.void), settle))
    )
    return HttpServerResponse.stream(body, {
      contentType: Sse.contentType,
      headers: {
        ...DecisionHeaders.fromRun(plan, running.deployment, running.trace),
        "cache-control": "no-cache"
      }
    })
  })

/**
 * The chat-completions handler: a thin shell over `LlmRouter.run` and `LlmRouter.stream`.
 *
 * @example
 * import { HttpRouter } from "@effect/platform"
 * import { ChatCompletions } from "effect-llm-router/server"
 *
 * const label = { route: "-" }
 * HttpRouter.empty.pipe(HttpRouter.post("/v1/chat/completions", ChatCompletions.chatCompletions(label)))
 *
 * @since 0.1.0
 */
export const chatCompletions = (
  label: RouteLabel
): Effect.Effect<HttpServerResponse.HttpServerResponse, ServerFailure, Requirements> =>
  Effect.gen(function* () {
    const startedAtMs = yield* Clock.currentTimeMillis
    const { request, router, session, settings } = yield* decodeRequest(label)
    const options = runOptions(settings, session)
    const failed = (error: ServerFailure) =>
      error._tag === "AllAttemptsFailed" ? recordAllFailed(request.model, error, startedAtMs) : Effect.void
    if (request.stream === true)
      return yield* streamed(request, options, startedAtMs).pipe(Effect.tapError(failed))
    const result = yield* router.run(request, options).pipe(Effect.tapError(failed))
    const { plan } = result
    const now = yield* Clock.currentTimeMillis
    yield* ServerMetrics.recordThreshold(plan.route, plan.strong)
    yield* ServerMetrics.recordTrace(plan.route, result.trace)
    yield* ServerMetrics.recordLatency(plan.route, now - startedAtMs)
    yield* logDecision(plan.route, plan, result.trace, "answered")
    return HttpServerResponse.unsafeJson(result.response, {
      headers: DecisionHeaders.fromRun(plan, result.deployment, result.trace)
    })
  }).pipe(Effect.withSpan("Server.chatCompletions"))

/**
 * `POST /v1/route`: the plan for a request (`PlanFormat.toJson`), without calling any model.
 * @since 0.1.0
 */
export const routeOnly = (
  label: RouteLabel
): Effect.Effect<HttpServerResponse.HttpServerResponse, ServerFailure, Requirements> =>
  Effect.gen(function* () {
    const { request, router, session } = yield* decodeRequest(label)
    const plan = yield* router.plan(request, session === undefined ? {} : { session })
    return HttpServerResponse.unsafeJson(toJson(plan), { headers: DecisionHeaders.fromPlan(plan) })
  }).pipe(Effect.withSpan("Server.route"))
