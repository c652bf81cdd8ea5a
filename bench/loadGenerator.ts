/**
 * An open-loop HTTP load generator for the gateway-overhead benchmark, plus the percentile helper
 * every benchmark here uses.
 *
 * Open loop: request `i` is due at `start + i / rps`, whether or not earlier requests have
 * answered, and its latency is measured from that due time (not from when the generator got round
 * to sending it), so a server that falls behind is charged for the queue it builds — the usual
 * "coordinated omission" correction.
 *
 * @since 0.1.0
 */
import { Agent, request as httpRequest } from "node:http"

/**
 * The `p`-th percentile (0–100) of an ascending list, linearly interpolated between order
 * statistics (numpy's default). `NaN` for an empty list.
 *
 * @example
 * percentile([1, 2, 3, 4], 50) // 2.5
 *
 * @since 0.1.0
 */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number => {
  if (sorted.length === 0) return Number.NaN
  const position = ((sorted.length - 1) * Math.min(100, Math.max(0, p))) / 100
  const lower = Math.floor(position)
  const upper = Math.min(lower + 1, sorted.length - 1)
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower)
}

/**
 * Ascending copy of a list of numbers.
 *
 * @since 0.1.0
 */
export const ascending = (values: ReadonlyArray<number>): Array<number> => [...values].sort((a, b) => a - b)

/**
 * One HTTP target: where to POST and with which headers and body.
 *
 * @since 0.1.0
 */
export interface LoadTarget {
  /** Full URL of the endpoint, e.g. `http://127.0.0.1:4000/v1/chat/completions`. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** Request body for request number `index`. */
  readonly body: (index: number) => string
}

/**
 * How much load to offer.
 *
 * @since 0.1.0
 */
export interface LoadOptions {
  /** Offered request rate (requests per second). */
  readonly rps: number
  /** How long to offer it, in ms. */
  readonly durationMs: number
  /** A request not complete this long after its due time is aborted and counts as an error. Default 5,000. */
  readonly timeoutMs?: number
}

/**
 * What one load run measured.
 *
 * @since 0.1.0
 */
export interface LoadResult {
  readonly offeredRps: number
  /** Requests sent. */
  readonly sent: number
  /** Requests answered with a 2xx status and a complete body. */
  readonly ok: number
  /** Requests that failed: non-2xx status, connection error or timeout. */
  readonly errors: number
  /** Completed requests per second over the run (first due time to last completion). */
  readonly achievedRps: number
  /** Latencies (ms, from due time to last body byte) of the successful requests, ascending. */
  readonly latenciesMs: ReadonlyArray<number>
  /** Time to the first body byte (ms, from due time) of the successful requests, ascending. */
  readonly firstByteMs: ReadonlyArray<number>
  /** Error messages by count (status codes and connection errors). */
  readonly errorKinds: Readonly<Record<string, number>>
}

/**
 * Due time (ms after start) of every request of an open-loop run: `i · 1000 / rps`.
 *
 * @since 0.1.0
 */
export const schedule = (options: Pick<LoadOptions, "rps" | "durationMs">): ReadonlyArray<number> => {
  const count = Math.max(0, Math.floor((options.rps * options.durationMs) / 1000))
  return Array.from({ length: count }, (_, index) => (index * 1000) / options.rps)
}

/**
 * Offers `options.rps` requests per second to `target` for `options.durationMs`, open-loop, over
 * keep-alive connections, and waits for every request to finish or time out.
 *
 * @example
 * const result = await runOpenLoop(
 *   { url: "http://127.0.0.1:4000/v1/chat/completions", headers: {}, body: () => "{}" },
 *   { rps: 100, durationMs: 1000 }
 * )
 *
 * @since 0.1.0
 */
export const runOpenLoop = (target: LoadTarget, options: LoadOptions): Promise<LoadResult> =>
  new Promise((resolve) => {
    const url = new URL(target.url)
    const agent = new Agent({ keepAlive: true, maxSockets: 512 })
    const timeoutMs = options.timeoutMs ?? 5_000
    const due = schedule(options)
    const latencies: Array<number> = []
    const firstBytes: Array<number> = []
    const errorKinds: Record<string, number> = {}
    let next = 0
    let finished = 0
    let errors = 0
    let lastCompletion = 0
    const start = performance.now()

    const fail = (kind: string) => {
      errors++
      errorKinds[kind] = (errorKinds[kind] ?? 0) + 1
    }
    const complete = () => {
      finished++
      lastCompletion = performance.now()
      if (finished === due.length) {
        agent.destroy()
        const elapsedS = (lastCompletion - start) / 1000
        resolve({
          offeredRps: options.rps,
          sent: due.length,
          ok: latencies.length,
          errors,
          achievedRps: elapsedS > 0 ? latencies.length / elapsedS : 0,
          latenciesMs: ascending(latencies),
          firstByteMs: ascending(firstBytes),
          errorKinds
        })
      }
    }
    const send = (index: number) => {
      const dueAt = start + due[index]!
      const payload = target.body(index)
      let done = false
      // A hard deadline from the due time, whether the request waits for a socket, for its answer
      // or in the middle of a stream: it bounds every run to its duration plus the timeout.
      const deadline = setTimeout(
        () => {
          req.destroy()
          settle("timeout")
        },
        Math.max(0, dueAt + timeoutMs - performance.now())
      )
      const settle = (kind: string | undefined, firstByte?: number) => {
        if (done) return
        done = true
        clearTimeout(deadline)
        if (kind === undefined) {
          latencies.push(performance.now() - dueAt)
          firstBytes.push((firstByte ?? performance.now()) - dueAt)
        } else fail(kind)
        complete()
      }
      const req = httpRequest(
        {
          agent,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(payload),
            ...target.headers
          }
        },
        (res) => {
          let firstByte: number | undefined
          res.on("data", () => {
            firstByte ??= performance.now()
          })
          res.on("end", () => {
            const status = res.statusCode ?? 0
            settle(status >= 200 && status < 300 ? undefined : `HTTP ${status}`, firstByte)
          })
          res.on("error", (error) => settle(error.message))
        }
      )
      req.on("error", (error) => settle(error.message))
      req.end(payload)
    }
    const tick = () => {
      const now = performance.now() - start
      while (next < due.length && due[next]! <= now) send(next++)
      if (next < due.length) setTimeout(tick, Math.max(0, Math.min(1, due[next]! - now)))
    }
    if (due.length === 0) {
      resolve({
        offeredRps: options.rps,
        sent: 0,
        ok: 0,
        errors: 0,
        achievedRps: 0,
        latenciesMs: [],
        firstByteMs: [],
        errorKinds
      })
      return
    }
    tick()
  })
