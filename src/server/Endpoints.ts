/**
 * The router's HTTP application: endpoints, authentication, draining, error answers and request
 * metrics, as one `@effect/platform` `HttpRouter`. It runs on any `HttpServer` (see
 * `RouterServer.layer` for Node, `RouterServer.webHandler` for web-standard hosts).
 *
 * | endpoint | auth | what |
 * |---|---|---|
 * | `POST /v1/chat/completions` | yes | routed chat completion, JSON or SSE (`stream: true`) |
 * | `POST /v1/route` | yes | the plan for a request, without calling a model |
 * | `GET /v1/models` | yes | the routes (and RouteLLM-style names) a client can ask for |
 * | `GET /health` | no | `ok`, or 503 `draining` during shutdown |
 * | `GET /metrics` | no | Prometheus text |
 *
 * @since 0.1.0
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect } from "effect"
import { LlmRouter } from "../graph/LlmRouter.ts"
import * as Auth from "./Auth.ts"
import * as ChatCompletions from "./ChatCompletions.ts"
import type { Health, ModelList } from "./Domain.ts"
import type { ServerFailure } from "./HttpErrors.ts"
import { Draining, internalErrorBody, toResponse, UnknownEndpoint } from "./HttpErrors.ts"
import { Lifecycle } from "./Lifecycle.ts"
import * as Prometheus from "./Prometheus.ts"
import * as ServerMetrics from "./ServerMetrics.ts"
import { Settings } from "./ServerSettings.ts"

type Handler<R> = (
  label: ChatCompletions.RouteLabel
) => Effect.Effect<HttpServerResponse.HttpServerResponse, ServerFailure, R>

/**
 * Turns every failure into an answer: expected failures into their OpenAI-style error, defects
 * into a bare 500 (details only in the log). An interruption (the client went away) stays one.
 */
const answer = <R>(endpoint: string, handler: Handler<R>, options: { readonly auth: boolean }) =>
  Effect.gen(function* () {
    const lifecycle = yield* Lifecycle
    const settings = yield* Settings
    const label: ChatCompletions.RouteLabel = { route: "-" }
    const guarded = Effect.gen(function* () {
      if (lifecycle.isDraining() && endpoint !== "health") return yield* new Draining()
      if (options.auth) yield* Auth.make(settings.apiKeys)
      return yield* handler(label)
    })
    const response = yield* guarded.pipe(
      Effect.catchAllCause((cause) => {
        if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
        const failure = Cause.failureOption(cause)
        if (failure._tag === "Some") return Effect.succeed(toResponse(failure.value))
        return Effect.logError("unexpected failure while answering", cause).pipe(
          Effect.as(HttpServerResponse.unsafeJson(internalErrorBody, { status: 500 }))
        )
      })
    )
    yield* ServerMetrics.recordRequest(endpoint, label.route, response.status)
    return lifecycle.isDraining() ? HttpServerResponse.setHeader(response, "connection", "close") : response
  })

const models: Handler<LlmRouter> = () =>
  Effect.gen(function* () {
    const router = yield* LlmRouter
    const body: ModelList = {
      object: "list",
      data: router.models().map((model) => ({
        id: model.id,
        object: "model" as const,
        created: 0,
        owned_by: "llm-router",
        kind: model.kind,
        default: model.default
      }))
    }
    return HttpServerResponse.unsafeJson(body)
  }).pipe(Effect.withSpan("Server.models"))

const health: Handler<LlmRouter | Lifecycle> = () =>
  Effect.gen(function* () {
    const router = yield* LlmRouter
    const lifecycle = yield* Lifecycle
    const draining = lifecycle.isDraining()
    const body: Health = {
      status: draining ? "draining" : "ok",
      routes: Object.keys(router.config.routes).length,
      deployments: router.config.deployments.size,
      inFlight: lifecycle.inFlight()
    }
    return HttpServerResponse.unsafeJson(body, { status: draining ? 503 : 200 })
  }).pipe(Effect.withSpan("Server.health"))

const metrics: Handler<never> = () =>
  Effect.map(ServerMetrics.exposition, (text) =>
    HttpServerResponse.text(text, { contentType: Prometheus.contentType })
  ).pipe(Effect.withSpan("Server.metrics"))

const unknownEndpoint = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const path = request.url.split("?")[0] ?? "/"
  return yield* answer(
    "unknown",
    () => Effect.fail(new UnknownEndpoint({ method: request.method, path: path.slice(0, 200) })),
    {
      auth: false
    }
  )
})

/**
 * The router's endpoints.
 *
 * @example
 * import { HttpServer } from "@effect/platform"
 * import { Endpoints } from "effect-llm-router/server"
 *
 * const serve = HttpServer.serve(Endpoints.app)
 *
 * @since 0.1.0
 */
export const router = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/v1/chat/completions",
    answer("chat_completions", ChatCompletions.chatCompletions, { auth: true })
  ),
  HttpRouter.post("/v1/route", answer("route", ChatCompletions.routeOnly, { auth: true })),
  HttpRouter.get("/v1/models", answer("models", models, { auth: true })),
  HttpRouter.get("/health", answer("health", health, { auth: false })),
  HttpRouter.get("/metrics", answer("metrics", metrics, { auth: false }))
)

/**
 * The endpoints as an app: unknown paths and methods answer 404 in the OpenAI error format.
 * @since 0.1.0
 */
export const app = router.pipe(Effect.catchTag("RouteNotFound", () => unknownEndpoint))
