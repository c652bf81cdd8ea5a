/**
 * Gateway CPU per request. Our server and Portkey's gateway run in front of the same fake upstream,
 * each in its own process, under closed-loop load (a fixed number of connections, each sending its
 * next request when the last one is answered). The figure is the CPU time the gateway process used
 * (user + system, read from `/proc/<pid>/stat`) divided by the requests it answered.
 *
 * Why this and not only latency under open-loop load (`bench overhead`): on a shared 2-core machine
 * latency and "highest sustained rate" move with whatever else runs, while the CPU a process spends
 * on its own work per request moves far less. It is what decides throughput per core.
 *
 * Workloads, each run for `--duration-ms` per round, rounds interleaved, medians reported:
 * - `json`: one non-streaming chat completion;
 * - `stream-4` and `stream-23`: streams of 4 and 23 upstream chunks (the fake upstream echoes the
 *   prompt word by word, plus a finish chunk and a usage chunk). Their difference divided by 19 is
 *   the cost of one chunk; `stream-4` minus that is the fixed cost of a stream;
 * - ours only: `route` (`POST /v1/route`: body, decode and plan, no upstream call) and `health`
 *   (`GET /health`: the HTTP server alone).
 *
 * `--server-node-options "A;B"` starts one of our servers per variant (`NODE_OPTIONS` of that process
 * only; an empty variant means Node's defaults) and measures them interleaved, e.g.
 * `";--max-semi-space-size=32"`. `--no-portkey` leaves Portkey's gateway out.
 *
 * Linux only (it reads `/proc`). Usage:
 *   npx tsx bench/gatewayCpu.ts [--rounds 5] [--duration-ms 3000] [--connections 8] [--json FILE]
 *     [--server-node-options "A;B"] [--no-portkey]
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { makeDirectories } from "../src/core/Directories.ts"
import { repositoryRoot } from "./childProcess.ts"
import type { StartedGateway } from "./gatewayProcesses.ts"
import { startFakeUpstream, startOurServer, startPortkey } from "./gatewayProcesses.ts"

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive integer, got ${JSON.stringify(process.argv[at + 1])}`)
    process.exit(2)
  }
  return value
}
const rounds = argument("rounds", 5)
const durationMs = argument("duration-ms", 3_000)
const connections = argument("connections", 8)
const stringArgument = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? undefined : (process.argv[at + 1] ?? "")
}
const jsonFile = stringArgument("json")
const nodeOptionVariants = (stringArgument("server-node-options") ?? "").split(";").map((v) => v.trim())
const withPortkey = !process.argv.includes("--no-portkey")

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100
const cpuMs = (pid: number): number => {
  // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
}

/** Peak resident memory of a process so far (`VmHWM`), in MB. */
const peakRssMb = (pid: number): number => {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return line === null ? NaN : Math.round(Number(line[1]) / 1024)
}

interface Workload {
  readonly name: string
  readonly path: "chat" | "route" | "health"
  readonly stream: boolean
  readonly words: number
}

const workloads: ReadonlyArray<Workload> = [
  { name: "json", path: "chat", stream: false, words: 9 },
  { name: "stream-4", path: "chat", stream: true, words: 1 },
  { name: "stream-23", path: "chat", stream: true, words: 20 },
  { name: "route", path: "route", stream: false, words: 9 },
  { name: "health", path: "health", stream: false, words: 0 }
]

const prompt = (words: number) => Array.from({ length: words }, (_, i) => `w${i}`).join(" ")

/** Closed-loop load; returns the requests answered with 200 and the errors. */
const closedLoop = async (target: StartedGateway, workload: Workload, ms: number) => {
  const url =
    workload.path === "health"
      ? target.url.replace(/\/v1\/chat\/completions$/, "/health")
      : workload.path === "route"
        ? target.url.replace(/\/chat\/completions$/, "/route")
        : target.url
  const init: RequestInit =
    workload.path === "health"
      ? { method: "GET" }
      : {
          method: "POST",
          headers: { "content-type": "application/json", ...target.headers },
          body: JSON.stringify({
            model: target.model,
            stream: workload.stream,
            messages: [{ role: "user", content: prompt(workload.words) }]
          })
        }
  let ok = 0
  let errors = 0
  const end = performance.now() + ms
  const connection = async () => {
    while (performance.now() < end) {
      try {
        const response = await fetch(url, init)
        const body = await response.text()
        if (response.status === 200 && (!workload.stream || body.includes("[DONE]"))) ok += 1
        else errors += 1
      } catch {
        errors += 1
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, connection))
  return { ok, errors }
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const program = Effect.scoped(
  Effect.gen(function* () {
    // The server runs the bundle (what users run); rebuild it so that it holds this checkout's code.
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: repositoryRoot, stdio: "ignore" })
    const upstream = yield* startFakeUpstream()
    const targets: Array<StartedGateway> = []
    for (const nodeOptions of nodeOptionVariants)
      targets.push(
        yield* startOurServer(upstream.ready, {
          nodeOptions,
          ...(nodeOptions === "" ? {} : { name: `effect-llm-router ${nodeOptions}` })
        })
      )
    if (withPortkey) {
      const portkey = yield* Effect.either(startPortkey(upstream.ready))
      if (portkey._tag === "Right") targets.push(portkey.right)
      else console.error(`Portkey's gateway did not start, measuring ours only: ${portkey.left.message}`)
    }

    const runs = targets.flatMap((target) =>
      workloads
        .filter((workload) => target.name !== "portkey" || workload.path === "chat")
        .map((workload) => ({ target, workload }))
    )
    // Warm-up: JIT, connection pools, code caches.
    for (const { target, workload } of runs) yield* Effect.promise(() => closedLoop(target, workload, 1_500))
    const samples = new Map<string, Array<{ cpuMsPerRequest: number; rps: number; errors: number }>>()
    for (let round = 1; round <= rounds; round++) {
      for (const { target, workload } of runs) {
        const before = cpuMs(target.pid)
        const started = performance.now()
        const { ok, errors } = yield* Effect.promise(() => closedLoop(target, workload, durationMs))
        const seconds = (performance.now() - started) / 1000
        const used = cpuMs(target.pid) - before
        const key = `${target.name}|${workload.name}`
        const list = samples.get(key) ?? []
        list.push({ cpuMsPerRequest: ok === 0 ? NaN : used / ok, rps: ok / seconds, errors })
        samples.set(key, list)
      }
      console.error(`round ${round}/${rounds} done`)
    }
    const rows = [...samples].map(([key, list]) => {
      const [gateway, workload] = key.split("|") as [string, string]
      return {
        gateway,
        workload,
        cpuMsPerRequest: Number(median(list.map((s) => s.cpuMsPerRequest)).toFixed(3)),
        closedLoopRps: Math.round(median(list.map((s) => s.rps))),
        errors: list.reduce((sum, s) => sum + s.errors, 0),
        /** Every round's CPU ms per request, in round order (how much the median hides). */
        rounds: list.map((s) => Number(s.cpuMsPerRequest.toFixed(3)))
      }
    })
    const cpuOf = (gateway: string, workload: string) =>
      rows.find((row) => row.gateway === gateway && row.workload === workload)?.cpuMsPerRequest ?? NaN
    const derived = targets.map(({ name: gateway, pid }) => {
      const perChunk = (cpuOf(gateway, "stream-23") - cpuOf(gateway, "stream-4")) / 19
      return {
        gateway,
        peakRssMb: peakRssMb(pid),
        perChunkUs: Math.round(perChunk * 1000),
        streamFixedMs: Number((cpuOf(gateway, "stream-4") - 4 * perChunk).toFixed(3))
      }
    })
    console.log(
      `Gateway CPU per request (median of ${rounds} rounds × ${durationMs} ms, ${connections} connections, closed loop)`
    )
    const width = Math.max(...rows.map((row) => row.gateway.length))
    console.log(`${"gateway".padEnd(width)} workload    CPU ms/request  closed-loop RPS  errors`)
    for (const row of rows)
      console.log(
        `${row.gateway.padEnd(width)} ${row.workload.padEnd(10)} ${String(row.cpuMsPerRequest).padStart(15)} ${String(row.closedLoopRps).padStart(16)} ${String(row.errors).padStart(7)}`
      )
    for (const d of derived)
      console.log(
        `${d.gateway}: one stream chunk ${d.perChunkUs} µs of CPU; a stream's fixed cost ${d.streamFixedMs} ms; peak RSS ${d.peakRssMb} MB`
      )
    if (jsonFile !== undefined) {
      makeDirectories(join(jsonFile, ".."))
      writeFileSync(
        jsonFile,
        `${JSON.stringify({ generatedAt: new Date().toISOString(), node: process.version, rounds, durationMs, connections, rows, derived }, null, 2)}\n`
      )
    }
  })
)

Effect.runPromise(program).catch((error: unknown) => {
  console.error(String(error))
  process.exit(1)
})
