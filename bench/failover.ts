/**
 * The failover benchmark (`llm-router bench failover`): three deployments behind one route — one
 * failing about half its calls with a mix of 429/500/hangs/resets, one slow, one healthy — under
 * 2,000 requests at concurrency 32, in four scenarios:
 *
 * - `non-streaming` and `streaming`: one router, in-memory state;
 * - `two-processes-shared-redis`: two router processes sharing cooldowns and usage through Redis;
 * - `redis-stopped-mid-run`: the same on a private redis-server that is shut down after a third of
 *   the requests and restarted after two thirds.
 *
 * Duplicates (a request answered more than once) are counted at the fake upstream by request id;
 * `lost` counts requests without an outcome plus successes the upstream never delivered.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import type { Scope } from "effect"
import { spawn } from "node:child_process"
import { writeFile } from "node:fs/promises"
import * as FakeUpstream from "../src/providers/FakeUpstream.ts"
import * as OpenAICompatibleProvider from "../src/providers/OpenAICompatibleProvider.ts"
import * as Cooldowns from "../src/state/Cooldowns.ts"
import * as State from "../src/state/index.ts"
import type { RequestRecord } from "./failoverLoad.ts"
import { benchCooldownPolicy, benchScript, runLoad } from "./failoverLoad.ts"
import { packagePath } from "../src/PackagePaths.ts"
import { tsxArgs } from "./childProcess.ts"
import { privateRedis } from "./privateRedis.ts"

/**
 * One row of the report (other tools read these keys).
 * @since 0.1.0
 */
export interface ScenarioResult {
  readonly name: string
  readonly requests: number
  readonly succeeded: number
  readonly failed: number
  readonly duplicates: number
  readonly lost: number
  readonly attemptsPerRequest: number
  readonly p50Ms: number
  readonly p99Ms: number
}

/** @since 0.1.0 */
export interface FailoverBenchOptions {
  readonly requests: number
  readonly concurrency: number
  /** The shared Redis for the two-process scenario (default `REDIS_URL` or 127.0.0.1:6379). */
  readonly redisUrl?: string
  /** Where to write `{ "scenarios": [...] }`. */
  readonly json?: string
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!

const summarise = (
  name: string,
  requests: number,
  ids: ReadonlyArray<string>,
  records: ReadonlyArray<RequestRecord>,
  upstream: FakeUpstream.FakeUpstream
): ScenarioResult => {
  const byId = new Map(records.map((record) => [record.id, record]))
  const measured = new Set(ids)
  const latencies = records.map((r) => r.latencyMs).sort((a, b) => a - b)
  const succeeded = records.filter((r) => r.ok).length
  if (process.env["FAILOVER_BENCH_DEBUG"] !== undefined) {
    for (const [id, n] of upstream.answersByRequestId)
      if (measured.has(id) && n > 1) console.error(`duplicate ${id} x${n}`, JSON.stringify(byId.get(id)))
  }
  const unanswered = records.filter((r) => r.ok && (upstream.answersByRequestId.get(r.id) ?? 0) === 0).length
  return {
    name,
    requests,
    succeeded,
    failed: records.length - succeeded,
    duplicates: [...upstream.answersByRequestId].filter(([id, n]) => measured.has(id) && n > 1).length,
    lost: ids.filter((id) => !byId.has(id)).length + unanswered,
    attemptsPerRequest:
      Math.round((records.reduce((sum, r) => sum + r.attempts, 0) / Math.max(1, records.length)) * 100) / 100,
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99))
  }
}

const idsOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

const inProcess = (name: string, options: FailoverBenchOptions, streaming: "none" | "all") =>
  Effect.scoped(
    Effect.gen(function* () {
      const upstream = yield* FakeUpstream.make({ script: benchScript })
      const records = yield* runLoad({
        baseUrl: upstream.baseUrl,
        requests: options.requests,
        concurrency: options.concurrency,
        idPrefix: name,
        streaming,
        warmup: 32
      }).pipe(
        Effect.provide(
          Layer.mergeAll(
            OpenAICompatibleProvider.layer,
            State.layerMemory,
            Cooldowns.layerMemory(benchCooldownPolicy)
          )
        )
      )
      return summarise(name, options.requests, idsOf(name, options.requests), records, upstream)
    })
  )

const workerPath = packagePath("bench", "failoverWorker.ts")

/** Spawns a router process; resolves with its records, reports progress as it goes. */
const worker = (
  args: Record<string, unknown>,
  onProgress: (done: number) => void,
  onFallbacks: (count: number) => void
): Effect.Effect<ReadonlyArray<RequestRecord>, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, tsxArgs(workerPath, [JSON.stringify(args)]), {
        stdio: ["ignore", "pipe", "pipe"]
      })
    ),
    (child) => Effect.sync(() => void (child.exitCode === null && child.kill("SIGTERM")))
  ).pipe(
    Effect.flatMap((child) =>
      Effect.async<ReadonlyArray<RequestRecord>, Error>((resume) => {
        let buffer = ""
        let records: ReadonlyArray<RequestRecord> | undefined
        let stderr = ""
        child.stderr?.on("data", (data: Buffer) => void (stderr = (stderr + data.toString()).slice(-4_000)))
        child.stdout?.on("data", (data: Buffer) => {
          buffer += data.toString()
          let newline = buffer.indexOf("\n")
          while (newline >= 0) {
            const line = buffer.slice(0, newline)
            buffer = buffer.slice(newline + 1)
            if (line.startsWith("progress ")) onProgress(Number(line.slice(9)))
            else if (line.startsWith("fallbacks ")) onFallbacks(Number(line.slice(10)))
            else if (line.startsWith("result "))
              records = JSON.parse(line.slice(7)) as ReadonlyArray<RequestRecord>
            newline = buffer.indexOf("\n")
          }
        })
        child.on("exit", (code) =>
          resume(
            records !== undefined
              ? Effect.succeed(records)
              : Effect.fail(new Error(`router process exited with ${code}: ${stderr}`))
          )
        )
      })
    )
  )

const twoProcesses = (
  name: string,
  options: FailoverBenchOptions,
  redis: { readonly url: string; readonly stop?: Effect.Effect<void>; readonly start?: Effect.Effect<void> }
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const upstream = yield* FakeUpstream.make({ script: benchScript })
      const keyPrefix = `bench:failover:${name}:${process.pid}:${Date.now()}:`
      const half = Math.floor(options.requests / 2)
      const shares = [half, options.requests - half]
      const progress = [0, 0]
      let phase = 0
      let fallbacks = 0
      const events: Array<Effect.Effect<void>> = []
      const onProgress = (index: number) => (done: number) => {
        progress[index] = done
        const total = progress[0]! + progress[1]!
        // Stop Redis after a third of the requests, start it again after two thirds.
        if (redis.stop !== undefined && phase === 0 && total >= options.requests / 3) {
          phase = 1
          events.push(redis.stop)
        } else if (redis.start !== undefined && phase === 1 && total >= (2 * options.requests) / 3) {
          phase = 2
          events.push(redis.start)
        }
      }
      const drainEvents = Effect.gen(function* () {
        while (true) {
          const next = events.shift()
          if (next !== undefined) yield* next
          else yield* Effect.sleep("10 millis")
        }
      })
      const all = yield* Effect.raceFirst(
        Effect.forEach(
          shares,
          (requests, index) =>
            worker(
              {
                baseUrl: upstream.baseUrl,
                redisUrl: redis.url,
                keyPrefix,
                requests,
                concurrency: Math.max(1, Math.floor(options.concurrency / 2)),
                idPrefix: `${name}-p${index}`
              },
              onProgress(index),
              (count) => void (fallbacks += count)
            ),
          { concurrency: 2 }
        ),
        Effect.zipRight(drainEvents, Effect.never)
      )
      const ids = shares.flatMap((requests, index) => idsOf(`${name}-p${index}`, requests))
      yield* Effect.logInfo(
        `${name}: ${fallbacks} state operations were served from local memory (Redis unreachable)`
      )
      return { result: summarise(name, options.requests, ids, all.flat(), upstream), phase }
    })
  )

/**
 * Formats results as a Markdown table.
 * @since 0.1.0
 */
export const table = (results: ReadonlyArray<ScenarioResult>): string =>
  [
    "| scenario | requests | succeeded | failed | success | attempts/request | p50 ms | p99 ms | duplicates | lost |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.requests} | ${r.succeeded} | ${r.failed} | ${((100 * r.succeeded) / Math.max(1, r.requests)).toFixed(2)} % | ${r.attemptsPerRequest} | ${r.p50Ms} | ${r.p99Ms} | ${r.duplicates} | ${r.lost} |`
    )
  ].join("\n")

/**
 * Runs every scenario; writes `{ "scenarios": [...] }` to `options.json` when given.
 *
 * @example
 * import { Effect } from "effect"
 * import { runFailoverBench, table } from "./bench/failover.ts"
 *
 * Effect.runPromise(runFailoverBench({ requests: 2000, concurrency: 32 })).then((rows) => console.log(table(rows)))
 *
 * @since 0.1.0
 */
export const runFailoverBench = (
  options: FailoverBenchOptions
): Effect.Effect<ReadonlyArray<ScenarioResult>, Error> =>
  Effect.gen(function* () {
    const results: Array<ScenarioResult> = []
    results.push(yield* inProcess("non-streaming", options, "none"))
    results.push(yield* inProcess("streaming", options, "all"))
    const shared = yield* twoProcesses("two-processes-shared-redis", options, {
      url: options.redisUrl ?? process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379"
    })
    results.push(shared.result)
    const outage = yield* Effect.scoped(
      Effect.flatMap(privateRedis, (redis) => twoProcesses("redis-stopped-mid-run", options, redis))
    )
    if (outage.phase !== 2)
      yield* Effect.logWarning(
        `redis-stopped-mid-run: Redis was not stopped and restarted (phase ${outage.phase})`
      )
    results.push(outage.result)
    if (options.json !== undefined) {
      const path = options.json
      yield* Effect.tryPromise({
        try: () => writeFile(path, `${JSON.stringify({ scenarios: results }, null, 2)}\n`),
        catch: (e) => new Error(`cannot write ${path}: ${String(e)}`)
      })
    }
    return results
  }).pipe(Effect.withSpan("bench.failover"))
