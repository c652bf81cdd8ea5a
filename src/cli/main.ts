/**
 * The `llm-router` command line. The entry point only composes commands and layers.
 *
 * Each command's module is loaded only when that command runs (or for `--help` without one), so
 * that `llm-router route` does not pay for the server, the benchmarks or the ML runtimes.
 *
 * @since 0.1.0
 */
import type { Command as CommandType } from "@effect/cli"
import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { reportFailure } from "./exitCodes.ts"

type AnyCommand = CommandType.Command<string, never, unknown, unknown>

// A command's parsed-options type only matters inside its own handler; the root sees them alike.
const lazy =
  <Name extends string, E, A>(load: () => Promise<CommandType.Command<Name, never, E, A>>) =>
  (): Promise<AnyCommand> =>
    load() as unknown as Promise<AnyCommand>

const commands: Record<string, () => Promise<AnyCommand>> = {
  route: lazy(() => import("./commands/route.ts").then((m) => m.routeCommand)),
  serve: lazy(() => import("./commands/serve.ts").then((m) => m.serveCommand)),
  score: lazy(() => import("./commands/score.ts").then((m) => m.scoreCommand)),
  calibrate: lazy(() => import("./commands/calibrate.ts").then((m) => m.calibrateCommand)),
  train: lazy(() => import("./commands/train.ts").then((m) => m.trainCommand)),
  bench: lazy(() => import("./commands/bench.ts").then((m) => m.benchCommand)),
  "fake-upstream": lazy(() => import("./commands/fakeUpstream.ts").then((m) => m.fakeUpstreamCommand))
}

const version = "0.1.0"

// Standard output can fail (a full disk, a closed pipe). A command that handles this itself
// (`score`) sets its own exit code; for the others the failure is reported once at exit, with
// exit code 2, instead of the output being lost silently.
let stdoutFailure: NodeJS.ErrnoException | undefined
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  stdoutFailure ??= error
})
process.on("exit", (code) => {
  if (stdoutFailure === undefined || code !== 0) return
  process.stderr.write(
    `llm-router: cannot write standard output (${stdoutFailure.code ?? stdoutFailure.message}); the output is incomplete\n`
  )
  process.exitCode = 2
})

const main = async (): Promise<void> => {
  const requested = process.argv[2]
  if (requested === "--version" && process.argv.length === 3) {
    // What the CLI framework prints, without loading every command's module first.
    console.log(version)
    return
  }
  const load =
    requested !== undefined && requested in commands ? [commands[requested]!] : Object.values(commands)
  const [first, ...rest] = await Promise.all(load.map((loadCommand) => loadCommand()))

  const root = Command.make("llm-router").pipe(
    Command.withDescription("Route LLM requests: plan, serve, score, train, calibrate and benchmark routers"),
    Command.withSubcommands([first!, ...rest])
  )

  const cli = Command.run(root, { name: "llm-router", version })

  cli(process.argv).pipe(
    reportFailure,
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain({ disableErrorReporting: true })
  )
}

void main()
