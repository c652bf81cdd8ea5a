/**
 * The processes of the gateway benchmarks (`overhead.ts`, `gatewayCpu.ts`): the fake upstream, our
 * server in front of it, and Portkey's gateway, each in its own Node process for the life of a scope.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ProcessError } from "./childProcess.ts"
import { startProcess, tsxArgs } from "./childProcess.ts"

/**
 * A started gateway and how to send it a chat completion for the upstream model.
 *
 * @since 0.1.0
 */
export interface StartedGateway {
  readonly name: string
  readonly pid: number
  /** Its chat-completions URL. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The `model` to put in the body (our server: a route name; Portkey: the upstream model). */
  readonly model: string
}

/**
 * A free TCP port on 127.0.0.1.
 *
 * @since 0.1.0
 */
export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/**
 * The config our server runs in the gateway benchmarks: one route, `bench`, to the fake upstream.
 *
 * @since 0.1.0
 */
export const benchConfig = (upstreamBaseUrl: string) => ({
  version: 1,
  deployments: [
    { id: "bench@fake", provider: "openai-compatible", model: "bench-model", baseUrl: upstreamBaseUrl }
  ],
  routes: { bench: "bench@fake" },
  default: "bench"
})

/**
 * The fake upstream (`fakeUpstreamProcess.ts`); `ready` is its base URL.
 *
 * @since 0.1.0
 */
export const startFakeUpstream = () =>
  startProcess({
    name: "fake-upstream",
    command: process.execPath,
    args: tsxArgs("bench/fakeUpstreamProcess.ts"),
    readyPattern: /READY (\S+)/
  })

/**
 * Our server (`llm-router serve`) with `benchConfig`, written to a temporary folder removed with the
 * scope. `nodeOptions` become the process's `NODE_OPTIONS` (empty: Node's defaults).
 *
 * @since 0.1.0
 */
export const startOurServer = (
  upstreamBaseUrl: string,
  options: { readonly nodeOptions?: string; readonly name?: string } = {}
): Effect.Effect<StartedGateway, ProcessError, Scope.Scope> =>
  Effect.gen(function* () {
    const configDir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "llm-router-bench-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const configFile = join(configDir, "router.config.json")
    yield* Effect.sync(() => writeFileSync(configFile, JSON.stringify(benchConfig(upstreamBaseUrl))))
    const port = yield* Effect.promise(freePort)
    const server = yield* startProcess({
      name: "effect-llm-router",
      command: process.execPath,
      args: [
        "bin/llm-router.js",
        "serve",
        "--config",
        configFile,
        "--port",
        String(port),
        "--host",
        "127.0.0.1"
      ],
      env: { NODE_OPTIONS: options.nodeOptions ?? "" },
      readyPattern: /Listening on (http:\/\/[0-9.]+:\d+)/,
      readyTimeoutMs: 60_000
    })
    return {
      name: options.name ?? "effect-llm-router",
      pid: server.pid,
      url: `${server.ready}/v1/chat/completions`,
      headers: {},
      model: "bench"
    }
  })

/**
 * Portkey's gateway (`@portkey-ai/gateway` from npm) with `bench/portkeyFetchShim.mjs` preloaded,
 * pointed at the fake upstream through its `x-portkey-custom-host` header.
 *
 * @since 0.1.0
 */
export const startPortkey = (
  upstreamBaseUrl: string
): Effect.Effect<StartedGateway, ProcessError, Scope.Scope> =>
  Effect.gen(function* () {
    const port = yield* Effect.promise(freePort)
    const gateway = yield* startProcess({
      name: "portkey",
      command: process.execPath,
      args: [
        "--import",
        "./bench/portkeyFetchShim.mjs",
        "node_modules/@portkey-ai/gateway/build/start-server.js",
        `--port=${port}`,
        "--headless"
      ],
      env: { NODE_ENV: "production" },
      readyPattern: /(Ready for connections)/
    })
    return {
      name: "portkey",
      pid: gateway.pid,
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: {
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": upstreamBaseUrl,
        authorization: "Bearer sk-bench"
      },
      model: "bench-model"
    }
  })
