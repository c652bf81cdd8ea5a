import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Either, Exit, Layer, Option, Stream } from "effect"
import type { ChatCompletionRequest } from "../../src/core/ChatCompletion.ts"
import { RequestNotSent } from "../../src/core/Errors.ts"
import type { Script } from "../../src/providers/FakeUpstreamScript.ts"
import * as FakeUpstream from "../../src/providers/FakeUpstream.ts"
import * as OpenAICompatibleProvider from "../../src/providers/OpenAICompatibleProvider.ts"
import * as Provider from "../../src/providers/Provider.ts"
import * as Fallbacks from "../../src/fallback/Fallbacks.ts"
import * as Runner from "../../src/fallback/Runner.ts"
import * as State from "../../src/state/index.ts"
import { deploymentAt, request } from "../providers/fixtures.ts"
import { attempt, hedge, plan, retry, sequence, timeout } from "./plans.ts"

const script: Script = {
  models: {
    ok: { reply: "fine thanks" },
    okToo: { reply: "also fine" },
    boom: { failures: [{ kind: "server_error", probability: 1 }] },
    flaky: { sequence: ["unavailable", "server_error"] },
    limitedLong: { failures: [{ kind: "rate_limit", probability: 1, retryAfterSeconds: 60 }] },
    hang: { failures: [{ kind: "hang", probability: 1 }] },
    slow: { latencyMs: 400, ttftMs: 400, reply: "slow answer" },
    small: { contextWindowChars: 10 },
    medium: {},
    filtered: { failures: [{ kind: "content_filter", probability: 1 }] },
    cut: { reply: "one two three four", failures: [{ kind: "cut_stream", probability: 1, afterChunks: 2 }] },
    cutEarly: { failures: [{ kind: "cut_stream", probability: 1, afterChunks: 0 }] }
  }
}

const TestLayer = Layer.merge(OpenAICompatibleProvider.layer, State.layerMemory)
const withUpstream = <A, E>(
  f: (upstream: FakeUpstream.FakeUpstream) => Effect.Effect<A, E, Runner.Requirements>
) => Effect.scoped(Effect.flatMap(FakeUpstream.make({ script }), f)).pipe(Effect.provide(TestLayer))

describe("Runner.run over the fake upstream", () => {
  it.live("falls back past a failing deployment and records the trace and state", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const boom = deploymentAt(upstream, "boom")
        const ok = deploymentAt(upstream, "ok")
        const result = yield* Runner.run(plan(sequence([attempt(boom), attempt(ok)])), request())
        expect(result.response.choices[0]?.message.content).toBe("fine thanks")
        expect(result.trace.answeredBy).toBe(ok.id)
        expect(result.trace.attempts.map((a) => [a.deployment, a.outcome, a.failure])).toEqual([
          [boom.id, "failed", "Unavailable"],
          [ok.id, "succeeded", undefined]
        ])
        expect(result.trace.costUsd).toBeGreaterThan(0)
        const latency = yield* (yield* State.LatencyStats.LatencyStats).get(ok.id)
        const usage = yield* (yield* State.UsageCounters.UsageCounters).current(ok.id)
        const spent = yield* (yield* State.SpendTracker.SpendTracker).spent(`deployment:${ok.id}`, 60_000)
        const inFlight = yield* (yield* State.InFlight.InFlight).count(ok.id)
        expect(Option.isSome(latency)).toBe(true)
        expect(usage).toEqual({ requests: 1, tokens: result.trace.usage?.total_tokens })
        expect(spent).toBe(result.trace.costUsd)
        expect(inFlight).toBe(0)
      })
    )
  )

  it.live("retries transient failures on the same deployment", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const flaky = deploymentAt(upstream, "flaky")
        const result = yield* Runner.run(plan(retry(attempt(flaky))), request())
        expect(result.trace.attempts.map((a) => a.outcome)).toEqual(["failed", "failed", "succeeded"])
        expect(upstream.requests("flaky")).toBe(3)
      })
    )
  )

  it.live("does not wait out a Retry-After longer than the cap: it falls back instead", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const limited = deploymentAt(upstream, "limitedLong")
        const ok = deploymentAt(upstream, "ok")
        const result = yield* Runner.run(
          plan(sequence([retry(attempt(limited), { maxDelayMs: 1_000 }), attempt(ok)])),
          request()
        )
        expect(upstream.requests("limitedLong")).toBe(1)
        expect(result.trace.answeredBy).toBe(ok.id)
      })
    )
  )

  it.live("bounds the attempts of a run however deep the retries", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const boom = deploymentAt(upstream, "boom")
        const other = deploymentAt(upstream, "boom", { id: "boom-2@fake" })
        const node = sequence([
          retry(attempt(boom), { times: 10, baseDelayMs: 1 }),
          retry(attempt(other), { times: 10, baseDelayMs: 1 })
        ])
        const failure = yield* Effect.flip(Runner.run(plan(node), request(), { maxAttempts: 4 }))
        expect(failure._tag).toBe("AllAttemptsFailed")
        // The first three failures open boom@fake's circuit (default policy), the fourth goes to boom-2.
        expect(upstream.requests("boom")).toBe(4)
        expect(failure.failures.map((f) => f.deployment)).toEqual([boom.id, boom.id, boom.id, other.id])
      })
    )
  )

  it.live("skips a deployment whose circuit is open, without calling it", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const boom = deploymentAt(upstream, "boom")
        const ok = deploymentAt(upstream, "ok")
        const node = plan(sequence([attempt(boom), attempt(ok)]))
        for (let i = 0; i < 3; i++) yield* Runner.run(node, request())
        expect(upstream.requests("boom")).toBe(3)
        const result = yield* Runner.run(node, request())
        expect(upstream.requests("boom")).toBe(3)
        expect(result.trace.attempts[0]?.outcome).toBe("skipped")
        expect(result.trace.attempts[0]?.message).toContain("circuit open")
      })
    )
  )

  it.live("context-window fallback skips deployments whose window is not larger", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const small = deploymentAt(upstream, "small", { contextWindow: 8_192 })
        const medium = deploymentAt(upstream, "medium", { contextWindow: 8_192 })
        const large = deploymentAt(upstream, "ok", { contextWindow: 128_000 })
        const node = Fallbacks.contextWindow(attempt(small), [medium, large])
        const result = yield* Runner.run(plan(node), request("a prompt longer than ten characters"))
        expect(result.trace.answeredBy).toBe(large.id)
        expect(upstream.requests("medium")).toBe(0)
      })
    )
  )

  it.live("content-policy fallback moves on for a refusal only", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const filtered = deploymentAt(upstream, "filtered")
        const boom = deploymentAt(upstream, "boom")
        const ok = deploymentAt(upstream, "ok")
        const answered = yield* Runner.run(plan(Fallbacks.contentPolicy(attempt(filtered), [ok])), request())
        expect(answered.trace.answeredBy).toBe(ok.id)
        const notMoved = yield* Effect.flip(
          Runner.run(plan(Fallbacks.contentPolicy(attempt(boom), [ok])), request())
        )
        expect(notMoved.failures.map((f) => f._tag)).toEqual(["Unavailable"])
        expect(upstream.requests("ok")).toBe(1)
      })
    )
  )

  it.live("a per-attempt timeout fails over and aborts the hung request", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const hung = deploymentAt(upstream, "hang")
        const ok = deploymentAt(upstream, "ok")
        const result = yield* Runner.run(
          plan(sequence([timeout(100, attempt(hung)), attempt(ok)])),
          request()
        )
        expect(result.trace.attempts.map((a) => a.failure ?? a.outcome)).toEqual(["Timeout", "succeeded"])
        yield* upstream
          .awaitAborted("hang")
          .pipe(Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "hung request never closed" }))
      })
    )
  )

  it.live("hedging: the backup wins and the loser's HTTP request is closed at the upstream", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const slow = deploymentAt(upstream, "slow")
        const ok = deploymentAt(upstream, "ok")
        const result = yield* Runner.run(plan(hedge(50, [attempt(slow), attempt(ok)])), request())
        expect(result.trace.answeredBy).toBe(ok.id)
        yield* upstream
          .awaitAborted("slow")
          .pipe(Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "loser never closed" }))
        expect(upstream.answered("slow")).toBe(0)
        expect(result.trace.attempts.find((a) => a.deployment === slow.id)?.outcome).toBe("cancelled")
      })
    )
  )

  it.live("hedging starts the backup at once when the first attempt fails early", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const boom = deploymentAt(upstream, "boom")
        const ok = deploymentAt(upstream, "ok")
        const result = yield* Runner.run(plan(hedge(60_000, [attempt(boom), attempt(ok)])), request())
        expect(result.trace.answeredBy).toBe(ok.id)
      })
    )
  )
})

// Providers may offer `open` (a pull, as OpenAICompatibleProvider does) or only `stream`: the runner
// must behave the same with both.
const streamOnly = Layer.merge(
  Layer.effect(
    Provider.Provider,
    Effect.map(Provider.Provider, ({ complete, stream }) => ({ complete, stream }))
  ).pipe(Layer.provide(OpenAICompatibleProvider.layer)),
  State.layerMemory
)
describe.each([
  ["open", TestLayer],
  ["stream only", streamOnly]
] as const)("Runner.stream over the fake upstream (provider with %s)", (_name, layer) => {
  const withUpstream = <A, E>(
    f: (upstream: FakeUpstream.FakeUpstream) => Effect.Effect<A, E, Runner.Requirements>
  ) => Effect.scoped(Effect.flatMap(FakeUpstream.make({ script }), f)).pipe(Effect.provide(layer))
  const collect = (
    s: Stream.Stream<
      { readonly choices: ReadonlyArray<{ readonly delta: { readonly content?: string | null } }> },
      { readonly _tag: string },
      Runner.Requirements
    >
  ) =>
    s.pipe(
      Stream.map((chunk) => chunk.choices.map((c) => c.delta.content ?? "").join("")),
      Stream.runCollect,
      Effect.map((parts) => Chunk.toReadonlyArray(parts).join("")),
      Effect.either
    )

  it.live("fails over transparently while nothing was sent", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const boom = deploymentAt(upstream, "boom")
        const early = deploymentAt(upstream, "cutEarly")
        const ok = deploymentAt(upstream, "ok")
        const outcome = yield* collect(
          Runner.stream(plan(sequence([attempt(boom), attempt(early), attempt(ok)])), request())
        )
        expect(outcome).toEqual(Either.right("fine thanks"))
      })
    )
  )

  it.live(
    "a stream broken after its first chunk reaches the caller as StreamInterrupted, not a truncated success",
    () =>
      withUpstream((upstream) =>
        Effect.gen(function* () {
          const cut = deploymentAt(upstream, "cut")
          const ok = deploymentAt(upstream, "ok")
          const outcome = yield* collect(
            Runner.stream(plan(sequence([attempt(cut), attempt(ok)])), request())
          )
          expect(Either.isLeft(outcome) && outcome.left._tag).toBe("StreamInterrupted")
          expect(upstream.requests("ok")).toBe(0)
        })
      )
  )

  it.live("the final trace of a stream carries usage, cost and time to first token", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const boom = deploymentAt(upstream, "boom")
        const ok = deploymentAt(upstream, "ok")
        const trace = yield* Effect.scoped(
          Effect.gen(function* () {
            const running = yield* Runner.open(plan(sequence([attempt(boom), attempt(ok)])), request())
            expect(running.deployment.id).toBe(ok.id)
            yield* Stream.runDrain(running.chunks)
            return yield* running.result
          })
        )
        expect(trace.usageSource).toBe("provider")
        expect(trace.costUsd).toBeGreaterThan(0)
        expect(trace.timeToFirstTokenMs).toBeGreaterThanOrEqual(0)
        expect(trace.attempts.map((a) => a.outcome)).toEqual(["failed", "succeeded"])
        expect(yield* (yield* State.InFlight.InFlight).count(ok.id)).toBe(0)
      })
    )
  )

  it.live("an open stream counts as in flight on its deployment until it ends", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const ok = deploymentAt(upstream, "ok")
        const inFlight = yield* State.InFlight.InFlight
        yield* Effect.scoped(
          Effect.gen(function* () {
            const running = yield* Runner.open(plan(attempt(ok)), request())
            expect(yield* inFlight.count(ok.id)).toBe(1)
            yield* Stream.runDrain(running.chunks)
          })
        )
        expect(yield* inFlight.count(ok.id)).toBe(0)
      })
    )
  )

  it.live("a caller that stops reading aborts the upstream stream", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        upstream.setScript({ models: { drip: { reply: "a b c d e f g h", interTokenMs: 200 } } })
        const drip = deploymentAt(upstream, "drip")
        const first = yield* Runner.stream(plan(attempt(drip)), request()).pipe(
          Stream.take(1),
          Stream.runCollect
        )
        expect(Chunk.size(first)).toBe(1)
        yield* upstream
          .awaitAborted("drip")
          .pipe(Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "stream never closed" }))
      })
    )
  )
})

describe("a request that cannot be built for the upstream", () => {
  // A BigInt has no JSON form: building the body fails before anything is sent, as a body nested
  // too deep for the stack would. It is the request's fault, the same on every deployment.
  const unsendable = () => request("hello", { x: 1n } as unknown as Partial<ChatCompletionRequest>)

  const expectNotSent = <A>(exit: Exit.Exit<A, unknown>, deployment: string) => {
    const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : Option.none()
    expect(Option.getOrUndefined(defect)).toBeInstanceOf(RequestNotSent)
    expect(Option.getOrUndefined(defect)).toMatchObject({ deployment })
  }

  it.live("stops the run: no retry, no fallback, nothing sent, nothing held against the deployment", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const ok = deploymentAt(upstream, "ok")
        const okToo = deploymentAt(upstream, "okToo")
        const failover = plan(sequence([retry(attempt(ok)), attempt(okToo)]))
        // More runs than the circuit breaker needs to open, were these counted as failures.
        for (let i = 0; i < 4; i++) {
          expectNotSent(yield* Effect.exit(Runner.run(failover, unsendable())), ok.id)
          expectNotSent(yield* Effect.exit(Effect.scoped(Runner.open(failover, unsendable()))), ok.id)
        }
        expect(upstream.requests("ok")).toBe(0)
        expect(upstream.requests("okToo")).toBe(0)
        const cooldowns = yield* State.Cooldowns.Cooldowns
        expect(yield* cooldowns.state(ok.id)).toEqual({ _tag: "Closed" })
        const inFlight = yield* (yield* State.InFlight.InFlight).count(ok.id)
        expect(inFlight).toBe(0)
        // The next request is answered by the first deployment, first time.
        const result = yield* Runner.run(failover, request())
        expect(result.trace.attempts.map((a) => [a.deployment, a.outcome])).toEqual([[ok.id, "succeeded"]])
      })
    )
  )
})
