/**
 * `llm-router fake-upstream --port N [--host 127.0.0.1] [--script FILE]`: runs the scripted fake
 * OpenAI-compatible upstream until interrupted — the way to try the router with no API key.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { ConfigError } from "../../core/Errors.ts"
import * as FakeUpstream from "../../providers/FakeUpstream.ts"
import { loadScript } from "../../providers/FakeUpstreamScript.ts"
import { integer } from "../options.ts"

const port = integer("port", { min: 0, max: 65535 }).pipe(
  Options.withDescription("Port to listen on (0 picks a free one)"),
  Options.withDefault(8787)
)
const host = Options.text("host").pipe(
  Options.withDescription("Interface to bind"),
  Options.withDefault("127.0.0.1")
)
const script = Options.file("script").pipe(
  Options.withDescription(
    "Behaviour script per model (JSON or YAML, see src/providers/FakeUpstreamScript.ts)"
  ),
  Options.optional
)

/**
 * The `fake-upstream` command.
 *
 * @example
 * // llm-router fake-upstream --port 8787 --script examples/fake-upstream.yaml
 *
 * @since 0.1.0
 */
export const fakeUpstreamCommand = Command.make("fake-upstream", { port, host, script }, (options) =>
  Effect.scoped(
    Effect.gen(function* () {
      const loaded = Option.isSome(options.script) ? yield* loadScript(options.script.value) : {}
      const upstream = yield* FakeUpstream.make({
        port: options.port,
        host: options.host,
        script: loaded
      }).pipe(
        Effect.mapError((error: NodeJS.ErrnoException) => {
          const reason = error.code === "EADDRINUSE" ? "the port is already in use" : error.message
          const hint = error.code === "EADDRINUSE" ? "; stop the other process or pick another --port" : ""
          return new ConfigError({
            path: "--port",
            message: `cannot listen on ${options.host}:${options.port}: ${reason}${hint}`,
            cause: error
          })
        })
      )
      yield* Console.log(
        `fake upstream listening on ${upstream.baseUrl} (models: ${Object.keys(loaded.models ?? {}).join(", ") || "any, echoing"})`
      )
      return yield* Effect.never
    })
  )
).pipe(Command.withDescription("Run a scripted fake OpenAI-compatible upstream (JSON and SSE) on loopback"))
