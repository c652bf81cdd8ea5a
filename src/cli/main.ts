/**
 * The `llm-router` command line. The entry point only composes commands and layers.
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { benchCommand } from "./commands/bench.ts"
import { calibrateCommand } from "./commands/calibrate.ts"
import { fakeUpstreamCommand } from "./commands/fakeUpstream.ts"
import { routeCommand } from "./commands/route.ts"
import { scoreCommand } from "./commands/score.ts"
import { serveCommand } from "./commands/serve.ts"
import { reportFailure } from "./exitCodes.ts"
import { trainCommand } from "./commands/train.ts"

const root = Command.make("llm-router").pipe(
  Command.withDescription("Route LLM requests: plan, serve, score, train, calibrate and benchmark routers"),
  Command.withSubcommands([
    routeCommand,
    serveCommand,
    scoreCommand,
    calibrateCommand,
    trainCommand,
    benchCommand,
    fakeUpstreamCommand
  ])
)

const cli = Command.run(root, { name: "llm-router", version: "0.1.0" })

cli(process.argv).pipe(reportFailure, Effect.provide(NodeContext.layer), NodeRuntime.runMain({ disableErrorReporting: true }))
