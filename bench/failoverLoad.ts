/**
 * The load of the failover benchmark, shared by the in-process scenarios and the worker processes:
 * three deployments behind one route (flaky, slow, healthy), load-balanced round-robin with a
 * retry per deployment and fallback to the next, `n` requests at a fixed concurrency, each tagged
 * with a request id (`metadata.request_id`) that the fake upstream counts answers by.
 *
 * @since 0.1.0
 */
import { Chunk, Clock, Effect, Either, Stream } from "effect"
import type { ChatCompletionRequest } from "../src/core/ChatCompletion.ts"
import { Deployment } from "../src/core/Deployment.ts"
import type { Plan, PlanNode, RetryPolicy } from "../src/core/Plan.ts"
import * as Runner from "../src/fallback/Runner.ts"
import { attemptsMade } from "../src/fallback/Trace.ts"
import type { Script } from "../src/providers/FakeUpstreamScript.ts"
import type { CooldownPolicy } from "../src/state/Cooldowns.ts"
import { defaultCooldownPolicy } from "../src/state/Cooldowns.ts"

/**
 * The upstream behaviour: `flaky` fails about half its calls with a mix of 429/500/hang/reset,
 * `slow` answers in 300–600 ms, `healthy` in 20–80 ms.
 * @since 0.1.0
 */
export const benchScript: Script = {
  seed: 42,
  models: {
    flaky: {
      latencyMs: { min: 20, max: 60 },
      ttftMs: { min: 10, max: 40 },
      interTokenMs: 2,
      failures: [
        { kind: "rate_limit", probability: 0.125, retryAfterMs: 50 },
        { kind: "server_error", probability: 0.125 },
        { kind: "hang", probability: 0.125 },
        { kind: "reset", probability: 0.125 }
      ]
    },
    slow: { latencyMs: { min: 300, max: 600 }, ttftMs: { min: 300, max: 500 }, interTokenMs: 5 },
    healthy: { latencyMs: { min: 20, max: 80 }, ttftMs: { min: 10, max: 40 }, interTokenMs: 2 }
  }
}

/** Short cooldowns so that the flaky deployment is probed again (and fails again) during the run. */
export const benchCooldownPolicy: CooldownPolicy = {
  ...defaultCooldownPolicy,
  failuresToOpen: 5,
  windowMs: 10_000,
  cooldownMs: 1_000
}

const retryPolicy: RetryPolicy = {
  times: 1,
  baseDelayMs: 25,
  maxDelayMs: 200,
  jitter: 0.2,
  retryOn: ["RateLimited", "Timeout", "Unavailable", "MalformedResponse"],
  honourRetryAfter: true
}

/** @since 0.1.0 */
export const benchDeployments = (baseUrl: string): ReadonlyArray<Deployment> => [
  Deployment.make({
    id: "flaky@fake",
    provider: "fake",
    model: "flaky",
    baseUrl,
    timeoutMs: 8_000,
    inputCostPerToken: 1e-6,
    outputCostPerToken: 2e-6
  }),
  Deployment.make({
    id: "slow@fake",
    provider: "fake",
    model: "slow",
    baseUrl,
    timeoutMs: 10_000,
    inputCostPerToken: 1e-6,
    outputCostPerToken: 2e-6
  }),
  Deployment.make({
    id: "healthy@fake",
    provider: "fake",
    model: "healthy",
    baseUrl,
    timeoutMs: 10_000,
    inputCostPerToken: 1e-6,
    outputCostPerToken: 2e-6
  })
]

/** The plan a round-robin load balancer with per-deployment retry and fallback would produce. */
const planFor = (deployments: ReadonlyArray<Deployment>, index: number): Plan => {
  const order = deployments.map((_, i) => deployments[(index + i) % deployments.length]!)
  const steps: Array<PlanNode> = order.map((deployment) => ({
    _tag: "Retry",
    path: `balance.${deployment.id}`,
    policy: retryPolicy,
    node: {
      _tag: "Attempt",
      deployment,
      path: `balance.${deployment.id}`,
      reasons: ["round robin"],
      scores: {}
    }
  }))
  return { route: "bench", root: { _tag: "Sequence", path: "balance", steps }, decisions: [] }
}

/**
 * The outcome of one request.
 * @since 0.1.0
 */
export interface RequestRecord {
  readonly id: string
  readonly ok: boolean
  readonly failure?: string
  readonly attempts: number
  readonly latencyMs: number
  /** The attempts of the trace, `deployment:outcome:failure`, for diagnosing a run. */
  readonly trail?: ReadonlyArray<string>
}

/** @since 0.1.0 */
export interface LoadOptions {
  readonly baseUrl: string
  readonly requests: number
  readonly concurrency: number
  readonly idPrefix: string
  /** `mixed`: every other request streams. */
  readonly streaming: "none" | "all" | "mixed"
  /** Requests run first and left out of the records (JIT, connection pools, module loading). */
  readonly warmup?: number
  /** Called after each finished request (progress reporting). */
  readonly onDone?: (done: number) => void
}

const requestFor = (id: string): ChatCompletionRequest => ({
  model: "bench",
  messages: [{ role: "user", content: `question ${id}` }],
  metadata: { request_id: id }
})

const oneRequest = (deployments: ReadonlyArray<Deployment>, index: number, id: string, streaming: boolean) =>
  Effect.gen(function* () {
    const started = yield* Clock.currentTimeMillis
    const plan = planFor(deployments, index)
    const request = requestFor(id)
    const expected = `echo: question ${id}`
    if (!streaming) {
      const outcome = yield* Effect.either(Runner.run(plan, request))
      const latencyMs = (yield* Clock.currentTimeMillis) - started
      return Either.match(outcome, {
        onLeft: (error): RequestRecord => ({
          id,
          ok: false,
          failure: error._tag,
          attempts: error.failures.length,
          latencyMs
        }),
        onRight: (result): RequestRecord => ({
          id,
          ok: result.response.choices[0]?.message.content === expected,
          attempts: attemptsMade(result.trace),
          latencyMs,
          trail: result.trace.attempts.map(
            (a) => `${a.deployment}:${a.outcome}:${a.failure ?? ""}:${a.latencyMs ?? ""}`
          )
        })
      })
    }
    const outcome = yield* Effect.either(
      Effect.scoped(
        Effect.gen(function* () {
          const running = yield* Runner.open(plan, request)
          const parts = yield* Stream.runCollect(running.chunks)
          const trace = yield* running.result
          return {
            text: Chunk.toReadonlyArray(parts)
              .flatMap((c) => c.choices.map((choice) => choice.delta.content ?? ""))
              .join(""),
            trace
          }
        })
      )
    )
    const latencyMs = (yield* Clock.currentTimeMillis) - started
    return Either.match(outcome, {
      onLeft: (error): RequestRecord => ({
        id,
        ok: false,
        failure: error._tag,
        attempts: error._tag === "AllAttemptsFailed" ? error.failures.length : 1,
        latencyMs
      }),
      onRight: ({ text, trace }): RequestRecord => ({
        id,
        ok: text === expected,
        attempts: attemptsMade(trace),
        latencyMs,
        trail: trace.attempts.map(
          (a) => `${a.deployment}:${a.outcome}:${a.failure ?? ""}:${a.latencyMs ?? ""}`
        )
      })
    })
  })

/**
 * Runs the load; every request ends in exactly one record (a defect is recorded as `Defect`).
 * @since 0.1.0
 */
export const runLoad = (
  options: LoadOptions
): Effect.Effect<ReadonlyArray<RequestRecord>, never, Runner.Requirements> => {
  const deployments = benchDeployments(options.baseUrl)
  let done = 0
  const warmup = Effect.forEach(
    Array.from({ length: options.warmup ?? 0 }, (_, i) => i),
    (i) =>
      Effect.ignore(
        oneRequest(
          deployments,
          i,
          `${options.idPrefix}-warmup-${i}`,
          options.streaming === "all" || (options.streaming === "mixed" && i % 2 === 1)
        )
      ),
    { concurrency: options.concurrency, discard: true }
  )
  const measured = Effect.forEach(
    Array.from({ length: options.requests }, (_, i) => i),
    (i) => {
      const id = `${options.idPrefix}-${i}`
      const streaming = options.streaming === "all" || (options.streaming === "mixed" && i % 2 === 1)
      return oneRequest(deployments, i, id, streaming).pipe(
        Effect.catchAllDefect((defect) =>
          Effect.succeed<RequestRecord>({
            id,
            ok: false,
            failure: `Defect: ${String(defect)}`,
            attempts: 0,
            latencyMs: 0
          })
        ),
        Effect.tap(() => Effect.sync(() => options.onDone?.(++done)))
      )
    },
    { concurrency: options.concurrency }
  )
  return Effect.zipRight(warmup, measured)
}
