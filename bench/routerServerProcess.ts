/**
 * Runs our server (`src/server/RouterServer.ts`) on loopback in its own process for the gateway
 * benchmark, with a one-deployment route `bench` in front of the fake upstream given as argument.
 * It logs `Listening on http://127.0.0.1:<port>` when ready and drains on SIGTERM.
 *
 * Usage: node --import tsx bench/routerServerProcess.ts http://127.0.0.1:PORT/v1 [model]
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { ConfigError } from "../src/core/Errors.ts"
import * as RouterConfig from "../src/graph/Config.ts"
import * as OpenAICompatibleProvider from "../src/providers/OpenAICompatibleProvider.ts"
import * as RouterServer from "../src/server/RouterServer.ts"
import * as State from "../src/state/index.ts"

const [baseUrl = "", model = "bench-model"] = process.argv.slice(2)

const config = RouterConfig.fromValue(
  {
    version: 1,
    deployments: [{ id: "bench@fake", provider: "openai-compatible", model, baseUrl }],
    routes: { bench: "bench@fake" },
    default: "bench"
  },
  { resolveRouter: (name) => Effect.fail(new ConfigError({ path: `routers.${name}`, message: "the gateway benchmark uses no router" })) }
)

Layer.unwrapEffect(Effect.map(config, (loaded) => RouterServer.layer(loaded, { port: 0, host: "127.0.0.1" }))).pipe(
  Layer.provide([OpenAICompatibleProvider.layer, State.layerMemory]),
  Layer.launch,
  NodeRuntime.runMain
)
