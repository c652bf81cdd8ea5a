/**
 * `llm-router bench overhead [--json FILE]`: decision cost per router and strategy, and gateway
 * overhead of our server and Portkey's gateway on loopback (bench/overhead.ts).
 *
 * @since 0.1.0
 */
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { runOverheadBench, toOverheadJson } from "../../../bench/overhead.ts"
import { gatewaySpec, renderSvg } from "../../../bench/report.ts"
import { decisionTableText, gatewayTableText } from "../../../bench/tables.ts"
import { makeDirectories } from "../../core/Directories.ts"
import { integer } from "../options.ts"

const json = Options.file("json").pipe(
  Options.withDescription(
    "Write { decision: [...], gateway: [...] } here, and everything else to <FILE>-details.json"
  ),
  Options.optional
)
const rates = Options.text("rates").pipe(
  Options.withDescription("Comma-separated offered request rates (RPS; default 100,500,1000,2000)"),
  Options.mapEffect((text) => {
    const parts = text.split(",").map((part) => part.trim())
    const bad = parts.find((part) => !(part !== "" && Number.isFinite(Number(part)) && Number(part) > 0))
    return bad === undefined
      ? Effect.succeed(parts.map(Number))
      : Effect.fail(
          ValidationError.invalidValue(
            HelpDoc.p(`--rates must be comma-separated positive request rates such as 100,500, got "${text}"`)
          )
        )
  }),
  Options.withDefault([100, 500, 1000, 2000] as ReadonlyArray<number>)
)
const durationMs = integer("duration-ms", { min: 1 }).pipe(
  Options.withDescription("Duration of each load run"),
  Options.withDefault(5_000)
)
const decisionBudgetMs = integer("decision-budget-ms", { min: 1 }).pipe(
  Options.withDescription("Time spent measuring each router or strategy"),
  Options.withDefault(2_000)
)
const embedders = Options.text("embedders").pipe(
  Options.withDescription("Comma-separated embedders"),
  Options.withDefault("static,hashing,use-lite")
)
const noGateway = Options.boolean("no-gateway").pipe(Options.withDescription("Skip the gateway benchmark"))
const noDecision = Options.boolean("no-decision").pipe(Options.withDescription("Skip the decision benchmark"))

/**
 * The `overhead` benchmark command (mounted as `bench overhead`).
 *
 * @example
 * // llm-router bench overhead --json bench/results/overhead.json
 *
 * @since 0.1.0
 */
export const benchOverheadCommand = Command.make(
  "overhead",
  { json, rates, durationMs, decisionBudgetMs, embedders, noGateway, noDecision },
  (options) =>
    Effect.gen(function* () {
      const started = Date.now()
      const results = yield* runOverheadBench({
        rates: options.rates,
        durationMs: options.durationMs,
        decisionBudgetMs: options.decisionBudgetMs,
        embedders: options.embedders
          .split(",")
          .map((name) => name.trim())
          .filter((name) => name.length > 0),
        gateway: !options.noGateway,
        decision: !options.noDecision,
        onProgress: (message) =>
          process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${message}\n`)
      })
      const { details } = results
      yield* Console.log(
        [
          "Decision cost (one prompt at a time, one core)",
          decisionTableText(results.decision),
          "",
          ...(options.noDecision
            ? ["(decision benchmark, CLI cold start and router load times not measured: --no-decision)"]
            : [
                `CLI cold start (llm-router --version): ${details.cliColdStartMs} ms; memory after loading all routers: rss ${details.memoryMb.rss} MB, heap ${details.memoryMb.heapUsed} MB`,
                `Load times: ${Object.entries(details.loadMs)
                  .map(([what, ms]) => `${what} ${ms} ms`)
                  .join("; ")}`
              ]),
          "",
          "Gateway overhead (ms; added = gateway − direct at the same percentile)",
          gatewayTableText(details.gateway),
          "",
          `Highest rate sustained without errors: ${details.highestSustainedRps.map((h) => `${h.name} ${h.stream ? "stream" : "json"} ${h.rps} rps`).join("; ")}`,
          ...details.notes.map((note) => `note: ${note}`)
        ].join("\n")
      )
      if (Option.isSome(options.json)) {
        const path = options.json.value
        yield* Effect.sync(() => {
          makeDirectories(dirname(path))
          writeFileSync(path, JSON.stringify(toOverheadJson(results), null, 2) + "\n")
          writeFileSync(path.replace(/(\.json)?$/, "-details.json"), JSON.stringify(details, null, 2) + "\n")
        })
        if (details.gateway.length > 0) {
          const svg = yield* Effect.promise(() => renderSvg(gatewaySpec(details.gateway)))
          yield* Effect.sync(() => writeFileSync(join(dirname(path), "gateway-overhead.svg"), svg))
        }
      }
    })
).pipe(
  Command.withDescription("Decision cost per router and strategy; gateway overhead vs. Portkey on loopback")
)
