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
import { cpus, loadavg } from "node:os"
import type { EmbedderShape } from "../src/embeddings/Embedder.ts"
import { makeEmbedder } from "../src/embeddings/EmbedderRegistry.ts"
import { loadBenchmark } from "../src/evaluation/Datasets.ts"
import type { ResolvedRouter } from "../src/graph/Config.ts"
import { embedWithCache } from "../src/evaluation/EmbeddingStore.ts"
import * as KnnRouter from "../src/routers/KnnRouter.ts"
import * as MatrixFactorizationRouter from "../src/routers/MatrixFactorizationRouter.ts"
import * as RouterRegistry from "../src/routers/RouterRegistry.ts"
import * as SimilarityWeightedRouter from "../src/routers/SimilarityWeightedRouter.ts"
import { repositoryRoot } from "./childProcess.ts"
import { startFakeUpstream, startOurServer, startPortkey } from "./gatewayProcesses.ts"
import type { DecisionRow } from "./decisionOverhead.ts"
import { decisionCost, embedderCost, routerCase, strategyCases } from "./decisionOverhead.ts"
import { shippedEmbedder as shippedEmbedderOf } from "./qualityResults.ts"
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

/** Routers with shipped weights (weights/<router>-default.json), each timed with its own embedder. */
const SHIPPED_ROUTERS = ["mf", "knn", "knn_ridge", "sw_ranking", "classifier"]

/** Routers also fitted on arena-bench-v1 with each embedder that has no shipped weights, and timed. */
const FITTED_ROUTERS = ["mf", "knn", "sw_ranking", "classifier"]

/** The embedder a shipped router uses: the one its manifest names. */
const shippedEmbedder = (router: string): string => shippedEmbedderOf(router) ?? "static"

/**
 * A trained router for an embedder without shipped weights: fitted on arena-bench-v1 embedded with
 * it (same shapes as a router trained by the user), so that its decision cost can be timed.
 * The classifier needs an ONNX graph trained for the embedder: none is shipped, so it fails.
 */
const fittedOnArena = (router: string, embedder: EmbedderShape) =>
  Effect.gen(function* () {
    const arena = yield* loadBenchmark("arena")
    const vectors = yield* embedWithCache(
      embedder,
      "arena",
      arena.items.map((item) => item.prompt)
    )
    const models = [...new Set(arena.items.flatMap((item) => Object.keys(item.scores)))].sort()
    const scores = arena.items.map((item) => item.scores)
    const pair = { strongModel: arena.strongModel, weakModel: arena.weakModel }
    switch (router) {
      case "mf":
        return yield* MatrixFactorizationRouter.make({
          model: MatrixFactorizationRouter.fit(vectors, scores, models),
          embedder,
          ...pair
        })
      case "knn": {
        const labelled = arena.items.flatMap((item, index) => {
          const strong = item.scores[arena.strongModel]
          const weak = item.scores[arena.weakModel]
          return strong === undefined || weak === undefined
            ? []
            : [{ index, label: KnnRouter.pairLabel(strong, weak) }]
        })
        const index = KnnRouter.index(
          labelled.map(({ index }) => vectors[index]!),
          labelled.map(({ label }) => label)
        )
        return yield* KnnRouter.make({ embedder, index })
      }
      case "sw_ranking":
        return yield* SimilarityWeightedRouter.make({
          embedder,
          battles: SimilarityWeightedRouter.index(vectors, scores, models),
          ...pair
        })
      default:
        return yield* Effect.fail(new Error(`no ${router} weights for ${embedder.name}`))
    }
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
    const notes: Array<string> = []
    const routers: Array<{ readonly router: ResolvedRouter; readonly embedder: string | undefined }> = []
    for (const name of ["random", "token-count", "keyword"])
      routers.push({ router: yield* RouterRegistry.makeRouter(name), embedder: undefined })
    for (const router of SHIPPED_ROUTERS) {
      const started = performance.now()
      const embedder = shippedEmbedder(router)
      routers.push({ router: yield* RouterRegistry.makeRouter(router), embedder })
      loadMs[`${router} router, shipped weights (loads its own ${embedder} embedder)`] = Math.round(
        performance.now() - started
      )
    }
    const shippedEmbedders = new Set(SHIPPED_ROUTERS.map(shippedEmbedder))
    const embedders: Array<EmbedderShape> = []
    for (const name of options.embedders ?? ["static", "hashing", "use-lite"]) {
      const started = performance.now()
      const embedder = yield* makeEmbedder(name)
      yield* embedder.embed("warm up")
      loadMs[`embedder ${name}`] = Math.round(performance.now() - started)
      embedders.push(embedder)
      // Shipped weights already cover this embedder: nothing to fit.
      if (shippedEmbedders.has(embedder.name)) continue
      for (const router of FITTED_ROUTERS) {
        const routerStarted = performance.now()
        const built = yield* Effect.orElseSucceed(fittedOnArena(router, embedder), () => undefined)
        if (built === undefined) {
          notes.push(`router ${router} with embedder ${name}: no weights for this embedder, not timed`)
          continue
        }
        routers.push({ router: built, embedder: embedder.name })
        loadMs[`${router} router fitted on arena with ${name}`] = Math.round(
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
      say(`decision: ${router.name}${embedder === undefined ? "" : ` (${embedder})`}`)
      rows.push(yield* decisionCost(routerCase(router, embedder), prompts, budget))
    }
    return {
      rows,
      loadMs,
      memoryMb: { rss: Math.round(memory.rss / 2 ** 20), heapUsed: Math.round(memory.heapUsed / 2 ** 20) },
      notes
    }
  })

const runGateway = (options: OverheadOptions, say: (message: string) => void) =>
  Effect.scoped(
    Effect.gen(function* () {
      const notes: Array<string> = []
      const upstream = yield* startFakeUpstream()
      const gateways: Array<GatewayTarget> = []
      const ours = yield* Effect.either(startOurServer(upstream.ready))
      if (ours._tag === "Right") gateways.push(ours.right)
      else notes.push(`effect-llm-router server did not start: ${ours.left.message}`)
      const portkey = yield* Effect.either(startPortkey(upstream.ready))
      if (portkey._tag === "Right") gateways.push(portkey.right)
      else notes.push(`Portkey's gateway did not start: ${portkey.left.message}`)
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
    if (options.decision !== false) say("cold start: llm-router --version")
    const coldStart = options.decision === false ? Number.NaN : cliColdStartMs()
    const decision =
      options.decision === false
        ? { rows: [], loadMs: {}, memoryMb: { rss: Number.NaN, heapUsed: Number.NaN }, notes: [] }
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
          "Trained routers: each shipped router (RouterRegistry.makeRouter, weights/<router>-default.json) is timed with the embedder its weights name; embedders no shipped weights use (hashing-512, use-lite) get mf, knn and sw_ranking fitted on arena-bench-v1 embedded with them (what a user's own training produces). Each row is timed after an untimed warm-up pass over the same prompts: a warm process.",
          ...decision.notes,
          ...gateway.notes
        ]
      }
    } satisfies OverheadResults
  })
