/**
 * Starts the real router server on a random loopback port over a real fake upstream, for tests
 * that talk to it with the `openai` SDK, `fetch` or raw sockets.
 */
import { HttpServer } from "@effect/platform"
import { Context, Effect, Exit, Layer, Logger, LogLevel, Scope } from "effect"
import OpenAI from "openai"
import type { Script } from "../../src/providers/FakeUpstreamScript.ts"
import * as FakeUpstream from "../../src/providers/FakeUpstream.ts"
import * as OpenAICompatibleProvider from "../../src/providers/OpenAICompatibleProvider.ts"
import type { Provider } from "../../src/providers/Provider.ts"
import * as RouterConfig from "../../src/graph/Config.ts"
import type { RouterResolver } from "../../src/graph/Config.ts"
import { Lifecycle } from "../../src/server/Lifecycle.ts"
import * as RouterServer from "../../src/server/RouterServer.ts"
import * as State from "../../src/state/index.ts"

/** The key every authenticated test request sends. */
export const apiKey = "sk-router-test-0123456789"
export const apiKeyEnv = "LLM_ROUTER_TEST_KEY"

/** A win-rate router that reads its answer from the prompt ("p=0.7"), so tests pick the side. */
const resolveRouter: RouterResolver = (name) =>
  Effect.succeed({
    name,
    winRate: (prompt: string) => Effect.succeed(Number(/p=([0-9.]+)/.exec(prompt)?.[1] ?? "0"))
  })

export const script: Script = {
  models: {
    "strong-model": { reply: "strong answer with several words in it", interTokenMs: 5 },
    "weak-model": { reply: "weak answer", interTokenMs: 5 },
    // The first request fails (503), the next ones answer.
    flaky: { sequence: ["unavailable"] },
    backup: { reply: "backup answer" },
    down: {
      sequence: ["unavailable", "unavailable", "unavailable", "unavailable", "unavailable", "unavailable"]
    },
    "down-strong": { sequence: ["unavailable", "unavailable", "unavailable", "unavailable"] },
    hang: { sequence: ["hang", "hang", "hang", "hang"] },
    "cut-stream": {
      reply: "one two three four five six",
      interTokenMs: 30,
      sequence: [{ kind: "reset_stream", afterChunks: 2 }]
    },
    slow: { reply: "slowly streamed answer of eight words here", ttftMs: 50, interTokenMs: 60 },
    // Streams one chunk, then an error event whose message echoes the key it was sent.
    "error-stream": {
      reply: "one two three four",
      interTokenMs: 5,
      failures: [{ kind: "auth", probability: 1, afterChunks: 1 }]
    },
    "slow-json": { reply: "a slow but complete answer", latencyMs: 400 }
  }
}

const deployment = (id: string, model: string, extra: Record<string, unknown> = {}) => ({
  id,
  provider: "openai-compatible",
  model,
  inputCostPerToken: 0.000001,
  outputCostPerToken: 0.000002,
  ...extra
})

export const configValue = (baseUrl: string, server: Record<string, unknown>) => ({
  deployments: [
    deployment("strong@fake", "strong-model", { baseUrl }),
    deployment("weak@fake", "weak-model", { baseUrl }),
    deployment("flaky@fake", "flaky", { baseUrl }),
    deployment("backup@fake", "backup", { baseUrl }),
    deployment("down@fake", "down", { baseUrl }),
    deployment("down-strong@fake", "down-strong", { baseUrl }),
    deployment("hang@fake", "hang", { baseUrl, timeoutMs: 300 }),
    deployment("cut@fake", "cut-stream", { baseUrl }),
    deployment("slow@fake", "slow", { baseUrl }),
    deployment("error-stream@fake", "error-stream", { baseUrl, apiKeyEnv }),
    deployment("slow-json@fake", "slow-json", { baseUrl })
  ],
  routers: { prompt: { type: "prompt-number" } },
  routes: {
    main: { fallback: ["flaky@fake", "backup@fake"] },
    strong: "strong@fake",
    weak: "weak@fake",
    quality: {
      threshold: { router: "prompt", threshold: 0.5, strong: { route: "strong" }, weak: { route: "weak" } }
    },
    down: "down@fake",
    "quality-down": {
      threshold: { router: "prompt", threshold: 0.5, strong: "down-strong@fake", weak: { route: "weak" } }
    },
    hang: "hang@fake",
    cut: "cut@fake",
    slow: "slow@fake",
    "error-stream": "error-stream@fake",
    "slow-json": "slow-json@fake"
  },
  default: "main",
  routellm: { strong: "strong", weak: "weak" },
  server
})

export interface Running {
  readonly baseUrl: string
  readonly origin: string
  readonly upstream: FakeUpstream.FakeUpstream
  readonly client: OpenAI
  readonly inFlight: () => number
  readonly draining: () => boolean
  /** Closes the server (draining it) and the upstream. */
  readonly close: () => Promise<void>
  /** Starts closing the server only (the graceful drain); resolves when it is closed. */
  readonly closeServer: () => Promise<void>
}

/** Starts an upstream and a router server; `server` is the config's `server` section. */
export const start = async (
  server: Record<string, unknown> = {},
  tracing: Layer.Layer<never> = Layer.empty
): Promise<Running> => {
  process.env[apiKeyEnv] = apiKey
  const upstreamScope = Effect.runSync(Scope.make())
  const upstream = await Effect.runPromise(Scope.extend(FakeUpstream.make({ script }), upstreamScope))
  const config = await Effect.runPromise(
    RouterConfig.fromValue(configValue(upstream.baseUrl, server), { resolveRouter })
  )
  const serverScope = Effect.runSync(Scope.make())
  const layer = RouterServer.layer(config, { port: 0, host: "127.0.0.1" }).pipe(
    Layer.provide([OpenAICompatibleProvider.layer, State.layerMemory]),
    Layer.provide(tracing)
  )
  const context = await Effect.runPromise(Layer.buildWithScope(layer, serverScope))
  const httpServer = Context.get(context, HttpServer.HttpServer)
  const lifecycle = Context.get(context, Lifecycle)
  const address = httpServer.address
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  const origin = `http://127.0.0.1:${address.port}`
  const closeServer = () => Effect.runPromise(Scope.close(serverScope, Exit.void))
  return {
    origin,
    baseUrl: `${origin}/v1`,
    upstream,
    client: new OpenAI({ apiKey, baseURL: `${origin}/v1`, maxRetries: 0 }),
    inFlight: () => lifecycle.inFlight(),
    draining: () => lifecycle.isDraining(),
    closeServer,
    close: async () => {
      await closeServer()
      await Effect.runPromise(Scope.close(upstreamScope, Exit.void))
    }
  }
}

export interface InProcess {
  readonly handler: (request: Request) => Promise<Response>
  readonly upstream: FakeUpstream.FakeUpstream
  readonly close: () => Promise<void>
}

/**
 * The same endpoints as a web-standard handler, without sockets to the router (the upstream is
 * real). `provider` replaces the `OpenAICompatibleProvider` (to inject a faulty one).
 */
export const startInProcess = async (
  server: Record<string, unknown> = {},
  provider: Layer.Layer<Provider> = OpenAICompatibleProvider.layer
): Promise<InProcess> => {
  process.env[apiKeyEnv] = apiKey
  const upstreamScope = Effect.runSync(Scope.make())
  const upstream = await Effect.runPromise(Scope.extend(FakeUpstream.make({ script }), upstreamScope))
  const config = await Effect.runPromise(
    RouterConfig.fromValue(configValue(upstream.baseUrl, server), { resolveRouter })
  )
  // Thousands of requests: keep only warnings in the test output.
  const quiet = Logger.minimumLogLevel(LogLevel.Warning)
  const { dispose, handler } = RouterServer.webHandler(
    config,
    Layer.mergeAll(provider, State.layerMemory, quiet)
  )
  return {
    handler: (request) => handler(request),
    upstream,
    close: async () => {
      await dispose()
      await Effect.runPromise(Scope.close(upstreamScope, Exit.void))
    }
  }
}
