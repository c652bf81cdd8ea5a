/**
 * Backoff, Retry-After and cooldown timing under TestClock. The provider here is an in-process
 * stand-in (timing cannot be driven through real sockets); HTTP behaviour is covered elsewhere.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Stream, TestClock } from "effect"
import { Deployment } from "../../src/core/Deployment.ts"
import type { ProviderFailure } from "../../src/core/Errors.ts"
import { RateLimited, Unavailable } from "../../src/core/Errors.ts"
import type { Completion } from "../../src/providers/Provider.ts"
import { Provider } from "../../src/providers/Provider.ts"
import * as Runner from "../../src/fallback/Runner.ts"
import * as State from "../../src/state/index.ts"
import { request } from "../providers/fixtures.ts"
import { attempt, hedge, plan, retry, sequence } from "./plans.ts"

const completion: Completion = {
  response: {
    id: "x",
    object: "chat.completion",
    created: 0,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }]
  },
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  usageSource: "provider",
  costUsd: undefined,
  latencyMs: 0
}

/** A provider whose n-th call to a deployment ends as `script[id][n]` says; it logs call times. */
const scripted = (
  script: Record<string, ReadonlyArray<ProviderFailure | "ok" | { readonly delayMs: number }>>
) => {
  const calls: Array<{ readonly deployment: string; readonly at: number }> = []
  const counts = new Map<string, number>()
  const layer = Layer.succeed(Provider, {
    complete: (deployment) =>
      Effect.gen(function* () {
        const n = counts.get(deployment.id) ?? 0
        counts.set(deployment.id, n + 1)
        calls.push({ deployment: deployment.id, at: yield* Clock.currentTimeMillis })
        const step = script[deployment.id]?.[n] ?? "ok"
        if (step === "ok") return completion
        if ("delayMs" in step) return yield* Effect.as(Effect.sleep(step.delayMs), completion)
        return yield* Effect.fail(step)
      }),
    stream: () => Stream.empty
  })
  return { calls, layer }
}

const d = (id: string) => Deployment.make({ id, provider: "fake", model: id })
const unavailable = (id: string) => new Unavailable({ deployment: id, message: "down" })

describe("retry timing (TestClock)", () => {
  it.effect("backs off exponentially from the policy's base delay", () => {
    const { calls, layer } = scripted({ a: [unavailable("a"), unavailable("a"), unavailable("a")] })
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        Runner.run(plan(retry(attempt(d("a")), { times: 3, baseDelayMs: 100, jitter: 0 })), request())
      )
      yield* TestClock.adjust("99 millis")
      expect(calls.length).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(calls.length).toBe(2)
      yield* TestClock.adjust("200 millis")
      expect(calls.length).toBe(3)
      yield* TestClock.adjust("400 millis")
      const result = yield* Fiber.join(fiber)
      expect(calls.map((c) => c.at)).toEqual([0, 100, 300, 700])
      expect(result.trace.answeredBy).toBe("a")
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          layer,
          State.layerMemory,
          State.Cooldowns.layerMemory({ ...State.Cooldowns.defaultCooldownPolicy, failuresToOpen: 10 })
        )
      )
    )
  })

  it.effect("waits as long as Retry-After says when it is longer than the backoff", () => {
    const { calls, layer } = scripted({
      a: [new RateLimited({ deployment: "a", message: "slow down", retryAfterMs: 2_500 })]
    })
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        Runner.run(
          plan(retry(attempt(d("a")), { baseDelayMs: 100, maxDelayMs: 5_000, jitter: 0 })),
          request()
        )
      )
      yield* TestClock.adjust("2499 millis")
      expect(calls.length).toBe(1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      expect(calls.map((c) => c.at)).toEqual([0, 2_500])
    }).pipe(Effect.provide(Layer.merge(layer, State.layerMemory)))
  })

  it.effect("jitter keeps each delay within the policy's band", () => {
    const { calls, layer } = scripted({ a: [unavailable("a"), unavailable("a")] })
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        Runner.run(plan(retry(attempt(d("a")), { times: 2, baseDelayMs: 1_000, jitter: 0.5 })), request())
      )
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const [first, second, third] = calls.map((c) => c.at)
      expect(second! - first!).toBeGreaterThanOrEqual(500)
      expect(second! - first!).toBeLessThanOrEqual(1_500)
      expect(third! - second!).toBeGreaterThanOrEqual(1_000)
      expect(third! - second!).toBeLessThanOrEqual(3_000)
    }).pipe(Effect.provide(Layer.merge(layer, State.layerMemory)))
  })
})

describe("cooldowns at run time (TestClock)", () => {
  it.effect(
    "opens after repeated failures, lets one probe through after the cooldown, closes on success",
    () => {
      const { calls, layer } = scripted({ a: [unavailable("a"), unavailable("a"), unavailable("a")] })
      const node = plan(sequence([attempt(d("a")), attempt(d("b"))]))
      return Effect.gen(function* () {
        for (let i = 0; i < 3; i++) yield* Runner.run(node, request())
        const policy = (yield* State.Cooldowns.Cooldowns).policy
        const skipped = yield* Runner.run(node, request())
        expect(skipped.trace.attempts[0]?.outcome).toBe("skipped")
        yield* TestClock.adjust(policy.cooldownMs - 1)
        expect((yield* Runner.run(node, request())).trace.attempts[0]?.outcome).toBe("skipped")
        yield* TestClock.adjust(1)
        const probe = yield* Runner.run(node, request())
        expect(probe.trace.answeredBy).toBe("a")
        expect(calls.filter((c) => c.deployment === "a").length).toBe(4)
        expect((yield* (yield* State.Cooldowns.Cooldowns).state("a"))._tag).toBe("Closed")
      }).pipe(Effect.provide(Layer.merge(layer, State.layerMemory)))
    }
  )

  it.effect("a probe that never reports back (cancelled) expires after the cooldown", () =>
    Effect.gen(function* () {
      const cooldowns = yield* State.Cooldowns.Cooldowns
      const { cooldownMs, failuresToOpen } = cooldowns.policy
      for (let i = 0; i < failuresToOpen; i++) yield* cooldowns.recordFailure("a", "Unavailable")
      yield* TestClock.adjust(cooldownMs)
      expect(yield* cooldowns.acquire("a")).toBe(true)
      expect(yield* cooldowns.acquire("a")).toBe(false)
      yield* TestClock.adjust(cooldownMs)
      expect(yield* cooldowns.acquire("a")).toBe(true)
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("hedge starts the backup only after the delay", () => {
    const { calls, layer } = scripted({ a: [{ delayMs: 1_000 }], b: [{ delayMs: 100 }] })
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        Runner.run(plan(hedge(300, [attempt(d("a")), attempt(d("b"))])), request())
      )
      yield* TestClock.adjust("299 millis")
      expect(calls.map((c) => c.deployment)).toEqual(["a"])
      yield* TestClock.adjust("1 millis")
      expect(calls.map((c) => c.deployment)).toEqual(["a", "b"])
      yield* TestClock.adjust("100 millis")
      const result = yield* Fiber.join(fiber)
      expect(result.trace.answeredBy).toBe("b")
      expect(result.trace.attempts.find((a) => a.deployment === "a")?.outcome).toBe("cancelled")
    }).pipe(Effect.provide(Layer.merge(layer, State.layerMemory)))
  })
})
