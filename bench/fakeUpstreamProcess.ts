/**
 * Runs the fake OpenAI-compatible upstream (`src/providers/FakeUpstream.ts`) on loopback in its own
 * process for the gateway benchmark, answering every model at once (no scripted latency), and
 * prints `READY <baseUrl>` when it listens. Stops on SIGTERM.
 *
 * Usage: node --import tsx bench/fakeUpstreamProcess.ts
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import * as FakeUpstream from "../src/providers/FakeUpstream.ts"

const program = Effect.scoped(
  Effect.gen(function* () {
    const upstream = yield* FakeUpstream.make({ host: "127.0.0.1", script: { default: {} } })
    yield* Console.log(`READY ${upstream.baseUrl}`)
    return yield* Effect.never
  })
)

NodeRuntime.runMain(program)
