/**
 * `llm-router bench`: the benchmarks (quality, overhead, failover), each a subcommand.
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import { benchFailoverCommand } from "./benchFailover.ts"
import { benchOverheadCommand } from "./benchOverhead.ts"
import { benchQualityCommand } from "./benchQuality.ts"

/**
 * The `bench` parent command.
 *
 * @example
 * // llm-router bench quality --json bench/results/quality.json
 * // llm-router bench overhead --json bench/results/overhead.json
 * // llm-router bench failover --json bench/results/failover.json
 *
 * @since 0.1.0
 */
export const benchCommand = Command.make("bench").pipe(
  Command.withDescription(
    "Benchmarks: routing quality, decision and gateway overhead, failover under faults"
  ),
  Command.withSubcommands([benchQualityCommand, benchOverheadCommand, benchFailoverCommand])
)
