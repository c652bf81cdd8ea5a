/**
 * The router server on Node: the `Endpoints` over `@effect/platform-node`'s HTTP server,
 * with the config's `server` settings and graceful shutdown. Closing the layer (SIGINT/SIGTERM
 * under `NodeRuntime.runMain`) drains in-flight requests, streams included, before the
 * socket closes; the services the requests use are released only after that.
 *
 * @since 0.1.0
 */
import { HttpApp, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Data, Effect, Layer } from "effect"
import { createServer } from "node:http"
import type { ConfigError } from "../core/Errors.ts"
import type { Requirements as RunRequirements } from "../fallback/Runner.ts"
import type { RouterConfig } from "../graph/Config.ts"
import * as LlmRouter from "../graph/LlmRouter.ts"
import * as Endpoints from "./Endpoints.ts"
import * as Lifecycle from "./Lifecycle.ts"
import * as ServerSettings from "./ServerSettings.ts"

/**
 * The server could not listen (the port is taken, the address is not local, ...).
 * @since 0.1.0
 */
export class ListenFailed extends Data.TaggedError("ListenFailed")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Where to listen.
 * @since 0.1.0
 */
export interface ListenOptions {
  /** 0 picks a free port (read it from `HttpServer.HttpServer`'s address). */
  readonly port: number
  readonly host: string
}

/**
 * The server as a layer. It needs a `Provider` and the routing state (in memory or Redis), and
 * offers the running `HttpServer` (for its address) and its `Lifecycle`.
 *
 * @example
 * import { Layer } from "effect"
 * import { NodeRuntime } from "@effect/platform-node"
 * import { OpenAICompatibleProvider } from "effect-llm-router/providers"
 * import { RouterServer } from "effect-llm-router/server"
 * import * as State from "effect-llm-router/state"
 *
 * RouterServer.layer(config, { port: 6060, host: "127.0.0.1" }).pipe(
 *   Layer.provide([OpenAICompatibleProvider.layer, State.layerMemory]),
 *   Layer.launch,
 *   NodeRuntime.runMain
 * )
 *
 * @since 0.1.0
 */
export const layer = (
  config: RouterConfig,
  listen: ListenOptions
): Layer.Layer<HttpServer.HttpServer | Lifecycle.Lifecycle, ConfigError | ListenFailed, RunRequirements> =>
  Layer.unwrapEffect(
    Effect.sync(() => {
      const server = createServer()
      // Keep-alive connections idle longer than this are closed; draining closes idle ones at once.
      server.keepAliveTimeout = 5_000
      const tracked = Lifecycle.track(server)
      const serve = Layer.scopedDiscard(
        Effect.gen(function* () {
          const settings = yield* ServerSettings.Settings
          yield* HttpServer.serveEffect(Endpoints.app)
          // Added after `serveEffect`'s own finalizer, so it runs first: drain, then detach.
          yield* Effect.addFinalizer(() =>
            tracked
              .drain(settings.drainTimeoutMs)
              .pipe(
                Effect.tap(({ forced }) =>
                  Effect.logInfo("server stopped").pipe(Effect.annotateLogs({ forced }))
                )
              )
          )
          yield* HttpServer.logAddress
        })
      )
      const node = NodeHttpServer.layer(() => server, { port: listen.port, host: listen.host }).pipe(
        Layer.catchAll((error) => {
          const code = (error.cause as { readonly code?: unknown } | undefined)?.code
          const reason =
            code === "EADDRINUSE" ? "the port is already in use" : String(code ?? "unknown reason")
          const hint = code === "EADDRINUSE" ? "; stop the other process or pick another --port" : ""
          return Layer.fail(
            new ListenFailed({
              message: `cannot listen on ${listen.host}:${listen.port}: ${reason}${hint}`,
              cause: error
            })
          )
        })
      )
      return serve.pipe(
        Layer.provideMerge(Layer.succeed(Lifecycle.Lifecycle, tracked.lifecycle)),
        Layer.provideMerge(node),
        Layer.provide(services(config))
      )
    })
  )

/**
 * The services the endpoints read: the router over the config and the `server` settings.
 * @since 0.1.0
 */
export const services = (
  config: RouterConfig
): Layer.Layer<LlmRouter.LlmRouter | ServerSettings.Settings, ConfigError> =>
  Layer.merge(
    LlmRouter.layer(config),
    Layer.effect(ServerSettings.Settings, ServerSettings.fromSection(config.server))
  )

/**
 * The endpoints as a web-standard handler (`Request` → `Promise<Response>`), without a Node
 * server: for serverless hosts and for tests that want thousands of requests without sockets.
 * There is no graceful drain here: the host owns the connections.
 *
 * @example
 * import { Layer } from "effect"
 * import { RouterServer } from "effect-llm-router/server"
 *
 * const { handler, dispose } = RouterServer.webHandler(config, Layer.merge(OpenAICompatibleProvider.layer, State.layerMemory))
 * const response = await handler(new Request("http://router/health"))
 *
 * @since 0.1.0
 */
export const webHandler = <E>(config: RouterConfig, dependencies: Layer.Layer<RunRequirements, E>) =>
  HttpApp.toWebHandlerLayer(
    Endpoints.app,
    Layer.mergeAll(
      services(config),
      Layer.succeed(Lifecycle.Lifecycle, { isDraining: () => false, inFlight: () => 0 }),
      dependencies
    )
  )
