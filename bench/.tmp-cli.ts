import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { fakeUpstreamCommand } from "../src/cli/commands/fakeUpstream.ts"
const cli = Command.run(fakeUpstreamCommand, { name: "llm-router", version: "0.1.0" })
cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
