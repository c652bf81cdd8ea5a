/**
 * Writes the README's results section (`bench/results/README-results.md`) from the committed
 * benchmark outputs: the quality table with RouteLLM's published numbers in the same table, the
 * MT Bench plot, and the overhead tables. Every number comes from the JSON files; nothing is typed
 * in by hand except RouteLLM's published APGRs.
 *
 * Usage: npx tsx bench/readme-results.ts [resultsDir]
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { repositoryRoot } from "./childProcess.ts"
import { markdownTable } from "./tables.ts"

const Metrics = Schema.Struct({ apgr: Schema.Number, cpt50: Schema.Number, cpt80: Schema.Number })
const QualityFile = Schema.Struct({
  generatedAt: Schema.String,
  durationSeconds: Schema.Number,
  cpuSeconds: Schema.Number,
  machine: Schema.Struct({
    cores: Schema.Number,
    loadAverageStart: Schema.Number,
    loadAverageEnd: Schema.Number
  }),
  protocols: Schema.Record({ key: Schema.String, value: Schema.String }),
  benchmarks: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      promptCount: Schema.Number,
      strongScore: Schema.Number,
      weakScore: Schema.Number,
      routers: Schema.Array(
        Schema.Struct({
          name: Schema.String,
          protocol: Schema.String,
          seeds: Schema.Number,
          routellm: Schema.Struct({ metrics: Metrics }),
          exact: Schema.Struct({ metrics: Metrics })
        })
      ),
      skipped: Schema.Array(Schema.Struct({ embedder: Schema.NullOr(Schema.String), reason: Schema.String }))
    })
  )
})
/** @since 0.1.0 */
export type QualityFile = typeof QualityFile.Type

const OverheadFile = Schema.Struct({
  decision: Schema.Array(
    Schema.Struct({
      router: Schema.String,
      embedder: Schema.String,
      p50Ms: Schema.Number,
      p99Ms: Schema.Number,
      perSecond: Schema.Number
    })
  ),
  gateway: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      rps: Schema.Number,
      stream: Schema.Boolean,
      addedP50Ms: Schema.NullOr(Schema.Number),
      addedP99Ms: Schema.NullOr(Schema.Number),
      errors: Schema.Number
    })
  )
})
/** @since 0.1.0 */
export type OverheadFile = typeof OverheadFile.Type

const OverheadDetails = Schema.Struct({
  generatedAt: Schema.String,
  cliColdStartMs: Schema.NullOr(Schema.Number),
  memoryMb: Schema.Struct({ rss: Schema.NullOr(Schema.Number), heapUsed: Schema.NullOr(Schema.Number) }),
  loadMs: Schema.Record({ key: Schema.String, value: Schema.Number }),
  highestSustainedRps: Schema.Array(
    Schema.Struct({ name: Schema.String, stream: Schema.Boolean, rps: Schema.Number })
  ),
  machine: Schema.Struct({
    cores: Schema.Number,
    loadAverageStart: Schema.Number,
    loadAverageEnd: Schema.Number
  }),
  gateway: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      rps: Schema.Number,
      stream: Schema.Boolean,
      p50Ms: Schema.NullOr(Schema.Number),
      directP50Ms: Schema.NullOr(Schema.Number),
      achievedRps: Schema.Number
    })
  )
})
/** @since 0.1.0 */
export type OverheadDetails = typeof OverheadDetails.Type

/**
 * RouteLLM's best published APGR for GPT-4 vs Mixtral (arXiv 2406.18665; routers trained on 65k
 * Chatbot Arena battles plus 120k GPT-4-judged prompts, with OpenAI embeddings).
 *
 * @since 0.1.0
 */
export const ROUTELLM_PUBLISHED: Readonly<Record<string, number>> = {
  "mt-bench": 0.802,
  mmlu: 0.603,
  gsm8k: 0.622
}

const COLUMNS = ["mt-bench", "mmlu", "gsm8k", "arena"] as const
const TITLES: Readonly<Record<string, string>> = {
  "mt-bench": "MT Bench",
  mmlu: "MMLU",
  gsm8k: "GSM8K",
  arena: "arena-bench-v1"
}
const fixed = (value: number | null | undefined, digits = 3) =>
  value === undefined || value === null || !Number.isFinite(value) ? "—" : value.toFixed(digits)

/**
 * The quality table: one row per router (and embedder), APGR per benchmark (RouteLLM's 10-bin
 * metric, exact-curve APGR in parentheses), with RouteLLM's published row.
 *
 * @since 0.1.0
 */
export const qualityMarkdown = (quality: QualityFile): string => {
  const names: Array<string> = []
  for (const benchmark of quality.benchmarks)
    for (const router of benchmark.routers) if (!names.includes(router.name)) names.push(router.name)
  const cell = (benchmarkName: string, routerName: string) => {
    const router = quality.benchmarks
      .find((b) => b.name === benchmarkName)
      ?.routers.find((r) => r.name === routerName)
    return router === undefined
      ? "—"
      : `${fixed(router.routellm.metrics.apgr)} (${fixed(router.exact.metrics.apgr)})`
  }
  const protocolOf = (routerName: string) =>
    [
      ...new Set(
        quality.benchmarks.flatMap((b) =>
          b.routers
            .filter((r) => r.name === routerName)
            .map((r) => (r.seeds > 1 ? `${r.protocol}, ${r.seeds} seeds` : r.protocol))
        )
      )
    ].join(" / ")
  const rows = names.map((name) => [
    `\`${name}\``,
    protocolOf(name),
    ...COLUMNS.map((column) => cell(column, name))
  ])
  rows.push([
    "RouteLLM, best published",
    "trained on 65k Arena battles + 120k GPT-4-judged prompts, OpenAI embeddings",
    ...COLUMNS.map((column) => fixed(ROUTELLM_PUBLISHED[column]))
  ])
  const header = ["router", "protocol", ...COLUMNS.map((column) => TITLES[column]!)]
  const baselines = quality.benchmarks.map(
    (b) =>
      `${TITLES[b.name] ?? b.name}: ${b.promptCount} prompts, GPT-4 ${fixed(b.strongScore)}, Mixtral ${fixed(b.weakScore)}`
  )
  const skipped = quality.benchmarks.flatMap((b) =>
    b.skipped.map((s) => `- Not evaluated on ${TITLES[b.name] ?? b.name}: ${s.embedder ?? ""} — ${s.reason}`)
  )
  const protocols = Object.entries(quality.protocols).map(([name, note]) => `- \`${name}\`: ${note}`)
  return [
    "APGR (average performance gap recovered; 0.5 ≈ random, 1 = as good as always calling GPT-4 at every cost level) for gpt-4-1106-preview vs Mixtral-8x7B. First number: RouteLLM's metric (10 quantile bins); in parentheses: the exact curve.",
    "",
    markdownTable(header, rows, 2),
    "",
    ...baselines.map((line) => `- ${line}`),
    ...protocols,
    "- The oracle's numbers are both its exact curve's (thresholds on the true score difference); it may exceed 1 because picking per prompt beats always calling GPT-4.",
    ...skipped
  ].join("\n")
}

/**
 * The gateway rows of an overhead file as a markdown table (achieved rate from the details file).
 *
 * @since 0.1.0
 */
export const gatewayMarkdown = (overhead: OverheadFile, details?: OverheadDetails): string =>
  markdownTable(
    ["gateway", "mode", "offered RPS", "added p50 (ms)", "added p99 (ms)", "errors", "achieved RPS"],
    overhead.gateway.map((row) => {
      const detail = details?.gateway.find(
        (d) => d.name === row.name && d.rps === row.rps && d.stream === row.stream
      )
      return [
        row.name,
        row.stream ? "streaming" : "non-streaming",
        String(row.rps),
        fixed(row.addedP50Ms, 2),
        fixed(row.addedP99Ms, 2),
        String(row.errors),
        fixed(detail?.achievedRps, 0)
      ]
    }),
    2
  )

/**
 * The overhead tables: decision cost, and the gateway comparison with the highest sustained rates.
 *
 * @since 0.1.0
 */
export const overheadMarkdown = (overhead: OverheadFile, details?: OverheadDetails): string => {
  const decision = markdownTable(
    ["router / strategy", "embedder", "p50 (ms)", "p99 (ms)", "decisions/s (1 core)"],
    overhead.decision.map((row) => [
      row.router,
      row.embedder,
      fixed(row.p50Ms, 3),
      fixed(row.p99Ms, 3),
      String(Math.round(row.perSecond))
    ]),
    2
  )
  const gateway = gatewayMarkdown(overhead, details)
  const lines = [
    "#### Decision cost",
    "",
    decision,
    "",
    "#### Gateway overhead (loopback, fake upstream, open-loop load)",
    "",
    gateway
  ]
  if (details !== undefined) {
    lines.push(
      "",
      `- Highest rate sustained without errors: ${details.highestSustainedRps.map((h) => `${h.name} ${h.stream ? "streaming" : "non-streaming"} ${h.rps === 0 ? "none of the rates" : `${h.rps} RPS`}`).join("; ")}.`,
      `- CLI cold start (\`llm-router --version\`, median of 3): ${fixed(details.cliColdStartMs, 0)} ms; memory after loading every router and embedder: RSS ${details.memoryMb.rss} MB (heap ${details.memoryMb.heapUsed} MB).`,
      `- Load times: ${Object.entries(details.loadMs)
        .map(([what, ms]) => `${what} ${ms} ms`)
        .join("; ")}.`,
      `- Machine: ${details.machine.cores} cores shared with other jobs; 1-minute load average ${fixed(details.machine.loadAverageStart, 1)} at the start, ${fixed(details.machine.loadAverageEnd, 1)} at the end. Published figures for context: LiteLLM adds about 3–4 ms, Portkey's gateway about 2.4 ms in an independent localhost test.`
    )
  }
  return lines.join("\n")
}

const StartupFile = Schema.Struct({
  generatedAt: Schema.String,
  node: Schema.String,
  runs: Schema.Number,
  machine: Schema.Struct({ loadAverageStart: Schema.Number, loadAverageEnd: Schema.Number }),
  rows: Schema.Array(Schema.Struct({ name: Schema.String, medianMs: Schema.Number, p90Ms: Schema.Number }))
})

const startupMarkdown = (startup: typeof StartupFile.Type): string =>
  [
    "#### Start-up (`npx tsx bench/startup.ts --json bench/results/startup.json`)",
    "",
    markdownTable(
      ["command", "median (ms)", "p90 (ms)"],
      startup.rows.map((row) => [`\`${row.name}\``, String(row.medianMs), String(row.p90Ms)]),
      1
    ),
    "",
    `- ${startup.runs} runs each, interleaved, Node ${startup.node}, ${startup.generatedAt}; 1-minute load average ${fixed(startup.machine.loadAverageStart, 1)}–${fixed(startup.machine.loadAverageEnd, 1)}. The difference between the npx rows and the node rows is npm's own start-up (npx loads npm and reads the installed tree before it runs the command).`
  ].join("\n")

const GatewayCpuFile = Schema.Struct({
  generatedAt: Schema.String,
  node: Schema.String,
  rounds: Schema.Number,
  durationMs: Schema.Number,
  connections: Schema.Number,
  rows: Schema.Array(
    Schema.Struct({
      gateway: Schema.String,
      workload: Schema.String,
      cpuMsPerRequest: Schema.Number,
      closedLoopRps: Schema.Number,
      errors: Schema.Number,
      rounds: Schema.Array(Schema.Number)
    })
  ),
  derived: Schema.Array(
    Schema.Struct({
      gateway: Schema.String,
      peakRssMb: Schema.Number,
      perChunkUs: Schema.Number,
      streamFixedMs: Schema.Number
    })
  )
})

const gatewayCpuMarkdown = (cpu: typeof GatewayCpuFile.Type): string =>
  [
    "#### Gateway CPU per request (`npx tsx bench/gatewayCpu.ts`, closed loop)",
    "",
    markdownTable(
      ["gateway", "workload", "CPU ms / request", "rounds' range", "closed-loop RPS", "errors"],
      cpu.rows.map((row) => [
        row.gateway,
        row.workload,
        row.cpuMsPerRequest.toFixed(3),
        `${Math.min(...row.rounds).toFixed(2)}–${Math.max(...row.rounds).toFixed(2)}`,
        String(row.closedLoopRps),
        String(row.errors)
      ]),
      2
    ),
    "",
    ...cpu.derived.map(
      (d) =>
        `- ${d.gateway}: one stream chunk ${d.perChunkUs < 0 ? `below the noise (${d.perChunkUs} µs: the 23-chunk median came out under the 4-chunk one)` : `${d.perChunkUs} µs`} of CPU, a stream's fixed cost ${d.streamFixedMs} ms (\`stream-4\` − 4 chunks); peak RSS ${d.peakRssMb} MB.`
    ),
    `- CPU time of the gateway process (user + system) per answered request; medians of ${cpu.rounds} interleaved rounds of ${cpu.durationMs} ms, ${cpu.connections} connections, Node ${cpu.node}, ${cpu.generatedAt}. \`json\`: one chat completion; \`stream-4\`/\`stream-23\`: streams of 4 and 23 upstream chunks; \`route\`: \`POST /v1/route\` (decode and plan, no upstream call); \`health\`: \`GET /health\`. Method: [bench/README.md](bench/README.md#benchgatewaycputs-cpu-per-request).`
  ].join("\n")

const readJson = <A, I>(schema: Schema.Schema<A, I>, path: string): Effect.Effect<A, Error> =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (cause) => new Error(`cannot read ${path}: ${String(cause)}`)
  }).pipe(
    Effect.flatMap((text) => Schema.decodeUnknown(Schema.parseJson(schema))(text)),
    Effect.mapError((error) => new Error(`${path}: ${error.message}`))
  )

/**
 * Builds the whole section from a results folder (quality.json, overhead.json and, when present,
 * overhead-details.json; the MT Bench plot is linked, not inlined).
 *
 * @since 0.1.0
 */
export const readmeResults = (resultsDir: string): Effect.Effect<string, Error> =>
  Effect.gen(function* () {
    const quality = yield* readJson(QualityFile, join(resultsDir, "quality.json"))
    const overheadPath = join(resultsDir, "overhead.json")
    const detailsPath = join(resultsDir, "overhead-details.json")
    const overhead = existsSync(overheadPath) ? yield* readJson(OverheadFile, overheadPath) : undefined
    const details = existsSync(detailsPath) ? yield* readJson(OverheadDetails, detailsPath) : undefined
    const lowPath = join(resultsDir, "overhead-low-rates.json")
    const lowDetailsPath = join(resultsDir, "overhead-low-rates-details.json")
    const low = existsSync(lowPath) ? yield* readJson(OverheadFile, lowPath) : undefined
    const lowDetails = existsSync(lowDetailsPath)
      ? yield* readJson(OverheadDetails, lowDetailsPath)
      : undefined
    const cpuPath = join(resultsDir, "gateway-cpu.json")
    const cpu = existsSync(cpuPath) ? yield* readJson(GatewayCpuFile, cpuPath) : undefined
    const startupPath = join(resultsDir, "startup.json")
    const startup = existsSync(startupPath) ? yield* readJson(StartupFile, startupPath) : undefined
    const plot = relative(repositoryRoot, join(resultsDir, "quality-mt-bench.svg"))
    return [
      "## Results",
      "",
      `Generated by \`npx tsx bench/readme-results.ts\` from \`bench/results/\` (quality run ${quality.generatedAt}: ${quality.durationSeconds} s wall and ${quality.cpuSeconds} s CPU summed over its processes, on ${quality.machine.cores} cores shared with other jobs, load average ${quality.machine.loadAverageStart.toFixed(1)}–${quality.machine.loadAverageEnd.toFixed(1)}). How to reproduce every figure: [bench/README.md](bench/README.md). Full report with every plot: [bench/results/report.html](bench/results/report.html).`,
      "",
      "### Routing quality",
      "",
      qualityMarkdown(quality),
      "",
      `![MT Bench: score against the share of calls to GPT-4, per router](${plot})`,
      "",
      "### Overhead",
      "",
      overhead === undefined
        ? "_bench overhead has not been run: no bench/results/overhead.json._"
        : overheadMarkdown(overhead, details),
      ...(low === undefined
        ? []
        : [
            "",
            "#### Gateway overhead at low rates (`bench overhead --no-decision --rates 10,25,50`)",
            "",
            gatewayMarkdown(low, lowDetails),
            "",
            `- Highest rate sustained without errors: ${(lowDetails?.highestSustainedRps ?? []).map((h) => `${h.name} ${h.stream ? "streaming" : "non-streaming"} ${h.rps === 0 ? "none of the rates" : `${h.rps} RPS`}`).join("; ")}.`
          ]),
      ...(cpu === undefined ? [] : ["", gatewayCpuMarkdown(cpu)]),
      ...(startup === undefined ? [] : ["", startupMarkdown(startup)]),
      ""
    ].join("\n")
  })

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])

if (isMain) {
  const resultsDir = process.argv[2] ?? join(repositoryRoot, "bench", "results")
  Effect.runPromise(readmeResults(resultsDir)).then(
    (markdown) => {
      writeFileSync(join(resultsDir, "README-results.md"), markdown)
      process.stderr.write(`wrote ${join(resultsDir, "README-results.md")}\n`)
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
      process.exitCode = 1
    }
  )
}
