/**
 * Gateway overhead: the same open-loop load sent to the fake upstream directly and through each
 * gateway in front of it, at fixed rates, non-streaming and streaming. The overhead of a gateway at
 * a rate is its latency percentile minus the direct latency percentile measured in the same round
 * (percentiles of two independent samples, not per-request differences).
 *
 * @since 0.1.0
 */
import type { DecisionRow } from "./decisionOverhead.ts"
import { percentile, runOpenLoop } from "./loadGenerator.ts"
import type { LoadResult, LoadTarget } from "./loadGenerator.ts"

/**
 * A gateway under test: how to send it a chat completion for the upstream model.
 *
 * @since 0.1.0
 */
export interface GatewayTarget {
  /** `effect-llm-router` or `portkey` (the names other tools read). */
  readonly name: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The `model` to put in the body (our server: a route name; Portkey: the upstream model). */
  readonly model: string
}

/**
 * One row of the gateway table (the `gateway` array of `bench overhead --json`).
 *
 * @since 0.1.0
 */
export interface GatewayRow {
  readonly name: string
  readonly rps: number
  readonly stream: boolean
  readonly addedP50Ms: number
  readonly addedP99Ms: number
  readonly errors: number
}

/**
 * The same row with the raw figures behind it (for the details file and the terminal table).
 *
 * @since 0.1.0
 */
export interface GatewayDetail extends GatewayRow {
  readonly p50Ms: number
  readonly p99Ms: number
  readonly directP50Ms: number
  readonly directP99Ms: number
  readonly firstByteP50Ms: number
  readonly directFirstByteP50Ms: number
  readonly achievedRps: number
  readonly sent: number
  readonly sustained: boolean
  readonly errorKinds: Readonly<Record<string, number>>
}

/**
 * Settings of a gateway run.
 *
 * @since 0.1.0
 */
export interface GatewayBenchOptions {
  /** The fake upstream's chat-completions URL. */
  readonly directUrl: string
  /** The upstream model name. */
  readonly model: string
  readonly gateways: ReadonlyArray<GatewayTarget>
  readonly rates: ReadonlyArray<number>
  readonly durationMs: number
  readonly streams: ReadonlyArray<boolean>
  /** Warm-up per target before the first rate (ms at 20 RPS). Default 3,000. */
  readonly warmupMs?: number
  readonly onProgress?: (message: string) => void
}

const PROMPT = "Write a haiku about latency budgets in five short words"

/**
 * The chat-completion body sent for every request (request `index` gets a distinct `user`).
 *
 * @since 0.1.0
 */
export const chatBody = (model: string, stream: boolean) => (index: number) =>
  JSON.stringify({ model, stream, user: `bench-${index}`, messages: [{ role: "user", content: PROMPT }] })

/**
 * Whether a run sustained its offered rate: no errors, and it completed at least 90 % of the
 * offered rate (a server that queues without failing still falls behind).
 *
 * @since 0.1.0
 */
export const sustained = (result: Pick<LoadResult, "errors" | "achievedRps" | "offeredRps">): boolean =>
  result.errors === 0 && result.achievedRps >= 0.9 * result.offeredRps

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Waits until a target has worked off any backlog an overloaded run left: one request at a time
 * until one answers within 250 ms (at most 20 s), then a 500 ms pause.
 *
 * @since 0.1.0
 */
export const drain = async (target: LoadTarget): Promise<void> => {
  const deadline = performance.now() + 20_000
  while (performance.now() < deadline) {
    const probe = await runOpenLoop(target, { rps: 1, durationMs: 1_000, timeoutMs: 2_000 })
    if (probe.ok === 1 && probe.latenciesMs[0]! < 250) break
    await pause(250)
  }
  await pause(500)
}

const round = (value: number) => Math.round(value * 1000) / 1000

/**
 * Compares a gateway run with the direct run of the same round.
 *
 * @since 0.1.0
 */
export const compare = (
  name: string,
  stream: boolean,
  gateway: LoadResult,
  direct: LoadResult
): GatewayDetail => {
  const p50 = percentile(gateway.latenciesMs, 50)
  const p99 = percentile(gateway.latenciesMs, 99)
  const directP50 = percentile(direct.latenciesMs, 50)
  const directP99 = percentile(direct.latenciesMs, 99)
  return {
    name,
    rps: gateway.offeredRps,
    stream,
    addedP50Ms: round(p50 - directP50),
    addedP99Ms: round(p99 - directP99),
    errors: gateway.errors,
    p50Ms: round(p50),
    p99Ms: round(p99),
    directP50Ms: round(directP50),
    directP99Ms: round(directP99),
    firstByteP50Ms: round(percentile(gateway.firstByteMs, 50)),
    directFirstByteP50Ms: round(percentile(direct.firstByteMs, 50)),
    achievedRps: round(gateway.achievedRps),
    sent: gateway.sent,
    sustained: sustained(gateway),
    errorKinds: gateway.errorKinds
  }
}

const target = (
  url: string,
  headers: Readonly<Record<string, string>>,
  model: string,
  stream: boolean
): LoadTarget => ({
  url,
  headers,
  body: chatBody(model, stream)
})

/**
 * Runs every rate × stream mode: a short warm-up of each target, then the direct run and each
 * gateway in turn (interleaved per rate, so drifting background load hits all of them alike).
 * A gateway that failed at a lower rate is still measured at higher rates.
 *
 * @since 0.1.0
 */
export const runGatewayBench = async (
  options: GatewayBenchOptions
): Promise<ReadonlyArray<GatewayDetail>> => {
  const details: Array<GatewayDetail> = []
  const say = options.onProgress ?? (() => {})
  for (const stream of options.streams) {
    const direct = target(options.directUrl, {}, options.model, stream)
    const gateways = options.gateways.map((gateway) => ({
      gateway,
      load: target(gateway.url, gateway.headers, gateway.model, stream)
    }))
    // Warm-up: lets each process JIT-compile its request path before anything is measured, at a
    // rate every target keeps up with (a backlog would spill into the first measured run).
    for (const load of [direct, ...gateways.map((entry) => entry.load)]) {
      await runOpenLoop(load, { rps: 20, durationMs: options.warmupMs ?? 3_000 })
      await drain(load)
    }
    for (const rps of options.rates) {
      say(`gateway ${stream ? "stream" : "json"} ${rps} rps: direct`)
      const directResult = await runOpenLoop(direct, { rps, durationMs: options.durationMs })
      await drain(direct)
      for (const { gateway, load } of gateways) {
        say(`gateway ${stream ? "stream" : "json"} ${rps} rps: ${gateway.name}`)
        const result = await runOpenLoop(load, { rps, durationMs: options.durationMs })
        details.push(compare(gateway.name, stream, result, directResult))
        await drain(load)
      }
    }
  }
  return details
}

/**
 * The highest offered rate a gateway sustained (no errors, ≥ 90 % of the rate completed), per
 * stream mode; `0` when it sustained none.
 *
 * @since 0.1.0
 */
export const highestSustained = (
  details: ReadonlyArray<GatewayDetail>,
  name: string,
  stream: boolean
): number =>
  details
    .filter((detail) => detail.name === name && detail.stream === stream && detail.sustained)
    .reduce((best, detail) => Math.max(best, detail.rps), 0)

/**
 * The `gateway` rows exactly as `--json` writes them.
 *
 * @since 0.1.0
 */
export const toRows = (details: ReadonlyArray<GatewayDetail>): ReadonlyArray<GatewayRow> =>
  details.map(({ addedP50Ms, addedP99Ms, errors, name, rps, stream }) => ({
    name,
    rps,
    stream,
    addedP50Ms,
    addedP99Ms,
    errors
  }))

/**
 * The `--json` file: exactly `{ decision: [{ router, embedder, p50Ms, p99Ms, perSecond }], gateway:
 * [{ name, rps, stream, addedP50Ms, addedP99Ms, errors }] }` (other tools read these keys).
 *
 * @since 0.1.0
 */
export const toOverheadJson = (results: {
  readonly decision: ReadonlyArray<DecisionRow>
  readonly gateway: ReadonlyArray<GatewayRow>
}) => ({
  decision: results.decision.map(({ embedder, p50Ms, p99Ms, perSecond, router }) => ({
    router,
    embedder,
    p50Ms,
    p99Ms,
    perSecond
  })),
  gateway: results.gateway.map(({ addedP50Ms, addedP99Ms, errors, name, rps, stream }) => ({
    name,
    rps,
    stream,
    addedP50Ms,
    addedP99Ms,
    errors
  }))
})
