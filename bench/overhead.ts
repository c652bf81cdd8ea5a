/**
 * `bench overhead`: what routing costs.
 *
 * - Decision cost per router, strategy and classifier (`decisionOverhead.ts`), with each embedder;
 *   memory after loading everything; cold-start times (the CLI process, each embedder's load).
 * - Gateway overhead (`gatewayOverhead.ts`): our server (`llm-router serve`) and Portkey's
 *   open-source gateway, each in its own process in front of the fake upstream (a third process),
 *   against calling the fake upstream directly, at fixed open-loop rates, non-streaming and
 *   streaming.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import type { EmbedderShape } from "../src/embeddings/Embedder.ts"
import { makeEmbedder } from "../src/embeddings/EmbedderRegistry.ts"
import { loadBenchmark } from "../src/evaluation/Datasets.ts"
import type { ResolvedRouter } from "../src/graph/Config.ts"
import * as RouterRegistry from "../src/routers/RouterRegistry.ts"
import { repositoryRoot, startProcess, tsxArgs } from "./childProcess.ts"
import type { DecisionRow } from "./decisionOverhead.ts"
import { decisionCost, embedderCost, routerCase, strategyCases } from "./decisionOverhead.ts"
import type { GatewayDetail, GatewayRow, GatewayTarget } from "./gatewayOverhead.ts"
import { highestSustained, runGatewayBench, toRows } from "./gatewayOverhead.ts"
export { toOverheadJson } from "./gatewayOverhead.ts"
import { ascending, percentile } from "./loadGenerator.ts"

/**
 * Options of a run.
 *
 * @since 0.1.0
 */
export interface OverheadOptions {
  readonly embedders?: ReadonlyArray<string>
  /** Time budget per decision row (ms). Default 2,000. */
  readonly decisionBudgetMs?: number
  readonly rates?: ReadonlyArray<number>
  /** Duration of each load run (ms). Default 5,000. */
  readonly durationMs?: number
  readonly gateway?: boolean
  readonly decision?: boolean
  readonly onProgress?: (message: string) => void
}

/**
 * Everything `bench overhead` measured. `decision` and `gateway` are the keys `--json` writes.
 *
 * @since 0.1.0
 */
export interface OverheadResults {
  readonly decision: ReadonlyArray<DecisionRow>
  readonly gateway: ReadonlyArray<GatewayRow>
  readonly details: {
    readonly generatedAt: string
    readonly gateway: ReadonlyArray<GatewayDetail>
    readonly highestSustainedRps: ReadonlyArray<{
      readonly name: string
      readonly stream: boolean
      readonly rps: number
    }>
    /** Wall time of `node bin/llm-router.js --version` (median of 3), ms. */
    readonly cliColdStartMs: number
    /** Time to build each embedder (and its router) the first time in this process, ms. */
    readonly loadMs: Readonly<Record<string, number>>
    /** After every embedder and router was loaded. */
    readonly memoryMb: { readonly rss: number; readonly heapUsed: number }
    /** The machine: cores and 1-minute load average at the start and end of the run. */
    readonly machine: {
      readonly cores: number
      readonly loadAverageStart: number
      readonly loadAverageEnd: number
    }
    readonly notes: ReadonlyArray<string>
  }
}

const RATES = [100, 500, 1_000, 2_000]

/** Routers with shipped weights; timed with every embedder (all are 512-d, so the shipped weights fit). */
const TRAINED_ROUTERS = ["mf", "knn", "sw_ranking", "classifier"]

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/**
 * Median wall time of starting the CLI and printing its version (a fresh Node process each time).
 *
 * @since 0.1.0
 */
export const cliColdStartMs = (): number => {
  const timings: Array<number> = []
  for (let run = 0; run < 3; run++) {
    const started = performance.now()
    spawnSync(process.execPath, ["bin/llm-router.js", "--version"], { cwd: repositoryRoot, stdio: "ignore" })
    timings.push(performance.now() - started)
  }
  return Math.round(percentile(ascending(timings), 50))
}

const benchPrompts = Effect.gen(function* () {
  const prompts = new Set<string>()
  for (const name of ["mt-bench", "arena", "gsm8k"] as const)
    for (const item of (yield* loadBenchmark(name)).items) prompts.add(item.prompt)
  return [...prompts]
})

const runDecision = (options: OverheadOptions, say: (message: string) => void) =>
  Effect.gen(function* () {
    const budget = options.decisionBudgetMs ?? 2_000
    const prompts = yield* benchPrompts
    const rows: Array<DecisionRow> = []
    const loadMs: Record<string, number> = {}
    const routers: Array<{ readonly router: ResolvedRouter; readonly embedder: EmbedderShape | undefined }> =
      []
    for (const name of ["random", "token-count", "keyword"])
      routers.push({ router: yield* RouterRegistry.makeRouter(name), embedder: undefined })
    const embedders: Array<EmbedderShape> = []
    for (const name of options.embedders ?? ["static", "hashing", "use-lite"]) {
      const started = performance.now()
      const embedder = yield* makeEmbedder(name)
      yield* embedder.embed("warm up")
      loadMs[`embedder ${name}`] = Math.round(performance.now() - started)
      embedders.push(embedder)
      for (const router of TRAINED_ROUTERS) {
        const routerStarted = performance.now()
        routers.push({ router: yield* RouterRegistry.makeRouter(router, { embedder: name }), embedder })
        loadMs[`${router} router with ${name} (loads its own embedder)`] = Math.round(
          performance.now() - routerStarted
        )
      }
    }
    const memory = process.memoryUsage()
    for (const testCase of strategyCases) {
      say(`decision: ${testCase.name}`)
      rows.push(yield* decisionCost(testCase, prompts, budget))
    }
    for (const embedder of embedders) {
      say(`decision: embed only (${embedder.name})`)
      rows.push(yield* embedderCost(embedder, prompts, budget))
    }
    for (const { embedder, router } of routers) {
      say(`decision: ${router.name}${embedder === undefined ? "" : ` (${embedder.name})`}`)
      rows.push(yield* decisionCost(routerCase(router, embedder), prompts, budget))
    }
    return {
      rows,
      loadMs,
      memoryMb: { rss: Math.round(memory.rss / 2 ** 20), heapUsed: Math.round(memory.heapUsed / 2 ** 20) }
    }
  })

/**
 * The config our server runs in the gateway benchmark: one route, `bench`, to the fake upstream.
 *
 * @since 0.1.0
 */
export const benchConfig = (upstreamBaseUrl: string) => ({
  version: 1,
  deployments: [
    { id: "bench@fake", provider: "openai-compatible", model: "bench-model", baseUrl: upstreamBaseUrl }
  ],
  routes: { bench: "bench@fake" },
  default: "bench"
})

const runGateway = (options: OverheadOptions, say: (message: string) => void) =>
  Effect.scoped(
    Effect.gen(function* () {
      const notes: Array<string> = []
      const upstream = yield* startProcess({
        name: "fake-upstream",
        command: process.execPath,
        args: tsxArgs("bench/fakeUpstreamProcess.ts"),
        readyPattern: /READY (\S+)/
      })
      const gateways: Array<GatewayTarget> = []
      const configDir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "llm-router-bench-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const configFile = join(configDir, "router.config.json")
      yield* Effect.sync(() => writeFileSync(configFile, JSON.stringify(benchConfig(upstream.ready))))
      const ourPort = yield* Effect.promise(freePort)
      const ours = yield* Effect.either(
        startProcess({
          name: "effect-llm-router",
          command: process.execPath,
          args: [
            "bin/llm-router.js",
            "serve",
            "--config",
            configFile,
            "--port",
            String(ourPort),
            "--host",
            "127.0.0.1"
          ],
          readyPattern: /Listening on (http:\/\/[0-9.]+:\d+)/,
          readyTimeoutMs: 60_000
        })
      )
      if (ours._tag === "Right")
        gateways.push({
          name: "effect-llm-router",
          url: `${ours.right.ready}/v1/chat/completions`,
          headers: {},
          model: "bench"
        })
      else notes.push(`effect-llm-router server did not start: ${ours.left.message}`)
      const port = yield* Effect.promise(freePort)
      const portkey = yield* Effect.either(
        startProcess({
          name: "portkey",
          command: process.execPath,
          args: [
            "--import",
            "./bench/portkeyFetchShim.mjs",
            "node_modules/@portkey-ai/gateway/build/start-server.js",
            `--port=${port}`,
            "--headless"
          ],
          env: { NODE_ENV: "production" },
          readyPattern: /(Ready for connections)/
        })
      )
      if (portkey._tag === "Right") {
        gateways.push({
          name: "portkey",
          url: `http://127.0.0.1:${port}/v1/chat/completions`,
          headers: {
            "x-portkey-provider": "openai",
            "x-portkey-custom-host": upstream.ready,
            authorization: "Bearer sk-bench"
          },
          model: "bench-model"
        })
      } else notes.push(`Portkey's gateway did not start: ${portkey.left.message}`)
      const details = yield* Effect.promise(() =>
        runGatewayBench({
          directUrl: `${upstream.ready}/chat/completions`,
          model: "bench-model",
          gateways,
          rates: options.rates ?? RATES,
          durationMs: options.durationMs ?? 5_000,
          streams: [false, true],
          onProgress: say
        })
      )
      return { details, notes }
    })
  )

/**
 * Runs the decision and gateway benchmarks.
 *
 * @since 0.1.0
 */
export const runOverheadBench = (options: OverheadOptions = {}) =>
  Effect.gen(function* () {
    const say = options.onProgress ?? (() => {})
    const loadAverageStart = loadavg()[0]!
    say("cold start: llm-router --version")
    const coldStart = options.decision === false ? Number.NaN : cliColdStartMs()
    const decision =
      options.decision === false
        ? { rows: [], loadMs: {}, memoryMb: { rss: Number.NaN, heapUsed: Number.NaN } }
        : yield* runDecision(options, say)
    const gateway =
      options.gateway === false
        ? { details: [], notes: ["gateway benchmark not run (--no-gateway)"] }
        : yield* runGateway(options, say)
    const names = [...new Set(gateway.details.map((detail) => detail.name))]
    return {
      decision: decision.rows,
      gateway: toRows(gateway.details),
      details: {
        generatedAt: new Date().toISOString(),
        gateway: gateway.details,
        highestSustainedRps: names.flatMap((name) =>
          [false, true].map((stream) => ({
            name,
            stream,
            rps: highestSustained(gateway.details, name, stream)
          }))
        ),
        cliColdStartMs: coldStart,
        loadMs: decision.loadMs,
        memoryMb: decision.memoryMb,
        machine: { cores: cpus().length, loadAverageStart, loadAverageEnd: loadavg()[0]! },
        notes: [
          "Gateway: fake upstream, gateway and load generator each in their own Node process on 127.0.0.1; open-loop load, latency from each request's due time; added = gateway percentile − direct percentile of the same round.",
          "Portkey's gateway runs with bench/portkeyFetchShim.mjs preloaded (it copies each upstream fetch response into a fresh Response): without it every streaming request fails with `TypeError: immutable`, because @hono/node-server 1.19's Response keeps the upstream response's immutable headers, which Portkey then appends to.",
          "Decision rows of trained routers with a non-default embedder reuse the shipped weights (trained on static embeddings, same 512-d shape): their cost is what a router trained on that embedder costs, their win rates are not meaningful.",
          ...gateway.notes
        ]
      }
    } satisfies OverheadResults
  })
