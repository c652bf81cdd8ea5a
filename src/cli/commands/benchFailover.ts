/**
 * `llm-router bench failover [--json FILE] [--requests 2000] [--concurrency 32]`: the failover
 * benchmark (bench/failover.ts). Mount it under a `bench` parent command.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { runFailoverBench, table } from "../../../bench/failover.ts"
import { integer } from "../options.ts"

const json = Options.file("json").pipe(
  Options.withDescription("Write { scenarios: [...] } to this file"),
  Options.optional
)
const requests = integer("requests", { min: 1 }).pipe(
  Options.withDescription("Requests per scenario"),
  Options.withDefault(2000)
)
const concurrency = integer("concurrency", { min: 1 }).pipe(
  Options.withDescription("Requests in flight at once"),
  Options.withDefault(32)
)

/**
 * The `failover` benchmark command (to be mounted as `bench failover`).
 *
 * @example
 * // llm-router bench failover --json bench/results/failover.json
 *
 * @since 0.1.0
 */
export const benchFailoverCommand = Command.make("failover", { json, requests, concurrency }, (options) =>
  Effect.gen(function* () {
    const results = yield* runFailoverBench({
      requests: options.requests,
      concurrency: options.concurrency,
      ...(Option.isSome(options.json) ? { json: options.json.value } : {})
    })
    yield* Console.log(table(results))
  })
).pipe(
  Command.withDescription("Failover under injected faults: success, attempts, latency, duplicates, losses")
)
