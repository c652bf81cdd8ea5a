import { describe, expect, it } from "@effect/vitest"
import { Effect, Random, TestClock } from "effect"
import * as LatencyStatsModule from "../../src/state/LatencyStats.ts"
import { LatencyStats } from "../../src/state/LatencyStats.ts"
import type { LatencyBasedOptions } from "../../src/strategies/latencyBased.ts"
import { latencyBased } from "../../src/strategies/latencyBased.ts"
import type { Candidate } from "../../src/strategies/Strategy.ts"
import { candidates, context, deployment, ids } from "./fixtures.ts"

const a = deployment("a")
const b = deployment("b")
const c = deployment("c")

/** Records a call that took `msPerToken` per output token over 100 tokens. */
const sample = (id: string, msPerToken: number, timeToFirstTokenMs?: number) =>
  Effect.flatMap(LatencyStats, (stats) =>
    stats.record(id, {
      latencyMs: msPerToken * 100,
      outputTokens: 100,
      ...(timeToFirstTokenMs === undefined ? {} : { timeToFirstTokenMs })
    })
  )

const orderOver = (
  seeds: number,
  list: ReadonlyArray<Candidate>,
  options: LatencyBasedOptions = { minSamples: 1 },
  stream = false
) =>
  Effect.forEach(
    Array.from({ length: seeds }, (_, seed) => seed),
    (seed) =>
      latencyBased(options)
        .apply(list, context("hi", stream ? { stream: true } : {}))
        .pipe(
          Effect.map((outcome) => ids(outcome).join(",")),
          Effect.withRandom(Random.make(seed))
        )
  )

describe("latencyBased", () => {
  it.effect("puts the fastest first when the others are outside the buffer, and says so", () =>
    Effect.gen(function* () {
      yield* sample("a", 55)
      yield* sample("b", 41)
      const orders = new Set(yield* orderOver(30, candidates(a, b)))
      expect([...orders]).toEqual(["b,a"])
      const outcome = yield* latencyBased({ minSamples: 1 }).apply(candidates(a, b), context("hi"))
      expect(outcome.summary).toBe(
        "latency (ms/token): b 41 ms/token (fastest), a 55 ms/token; untried first: none"
      )
      expect(outcome.candidates[0]?.scores["latency"]).toBe(41)
    }).pipe(Effect.provide(LatencyStatsModule.layerMemory()))
  )

  it.effect("keeps exploring a deployment until it has minSamples samples", () =>
    Effect.gen(function* () {
      // b's first call was slow (connection set-up); one sample must not condemn it.
      yield* sample("a", 50)
      yield* sample("a", 50)
      yield* sample("a", 50)
      yield* sample("b", 400)
      const outcome = yield* latencyBased({ minSamples: 3 }).apply(candidates(a, b), context("hi"))
      expect(ids(outcome)).toEqual(["b", "a"])
      expect(outcome.candidates[0]?.reasons).toEqual(["latency: 1 of 3 samples needed; explored first"])
      yield* sample("b", 10)
      yield* sample("b", 10)
      const trusted = yield* latencyBased({ minSamples: 3 }).apply(candidates(a, b), context("hi"))
      expect(ids(trusted)).toEqual(["a", "b"])
    }).pipe(Effect.provide(LatencyStatsModule.layerMemory()))
  )

  it.effect("explores untried deployments first", () =>
    Effect.gen(function* () {
      yield* sample("a", 10)
      const outcome = yield* latencyBased({ minSamples: 1 }).apply(candidates(a, b), context("hi"))
      expect(ids(outcome)).toEqual(["b", "a"])
      expect(outcome.summary).toContain("untried first: b")
      expect(outcome.candidates[0]?.reasons).toEqual(["latency: no latency samples yet; explored first"])
    }).pipe(Effect.provide(LatencyStatsModule.layerMemory()))
  )

  it.effect("picks at random among those within the buffer of the fastest, the rest after by latency", () =>
    Effect.gen(function* () {
      yield* sample("a", 40)
      yield* sample("b", 43)
      yield* sample("c", 60)
      const orders = yield* orderOver(200, candidates(c, b, a))
      const counts = new Map<string, number>()
      for (const order of orders) counts.set(order, (counts.get(order) ?? 0) + 1)
      expect([...counts.keys()].sort()).toEqual(["a,b,c", "b,a,c"])
      expect(counts.get("a,b,c")).toBeGreaterThan(60)
      expect(counts.get("b,a,c")).toBeGreaterThan(60)
      const narrow = new Set(
        yield* orderOver(50, candidates(c, b, a), { bufferFraction: 0.05, minSamples: 1 })
      )
      expect([...narrow]).toEqual(["a,b,c"])
    }).pipe(Effect.provide(LatencyStatsModule.layerMemory()))
  )

  it.effect("uses time to first token for streaming requests", () =>
    Effect.gen(function* () {
      // a generates fast but starts slowly; b the opposite.
      yield* sample("a", 10, 900)
      yield* sample("b", 30, 200)
      yield* sample("c", 5)
      expect(ids(yield* latencyBased({ minSamples: 1 }).apply(candidates(a, b), context("hi")))).toEqual([
        "a",
        "b"
      ])
      const streamed = yield* latencyBased({ minSamples: 1 }).apply(
        candidates(a, b, c),
        context("hi", { stream: true })
      )
      // c has no time-to-first-token samples, so it is explored first.
      expect(ids(streamed)).toEqual(["c", "b", "a"])
      expect(streamed.summary).toBe(
        "latency (ms to first token): b 200 ms to first token (fastest), a 900 ms to first token; untried first: c"
      )
      const forced = yield* latencyBased({ measure: "perOutputToken", minSamples: 1 }).apply(
        candidates(a, b),
        context("hi", { stream: true })
      )
      expect(ids(forced)).toEqual(["a", "b"])
    }).pipe(Effect.provide(LatencyStatsModule.layerMemory()))
  )

  it.effect("forgets samples older than the rolling window", () =>
    Effect.gen(function* () {
      yield* sample("a", 100)
      yield* TestClock.adjust("30 minutes")
      yield* sample("b", 10)
      expect(ids(yield* latencyBased({ minSamples: 1 }).apply(candidates(a, b), context("hi")))).toEqual([
        "b",
        "a"
      ])
      yield* TestClock.adjust("31 minutes")
      // a's sample is now over an hour old: a is untried again and explored first.
      expect(ids(yield* latencyBased({ minSamples: 1 }).apply(candidates(a, b), context("hi")))).toEqual([
        "a",
        "b"
      ])
    }).pipe(Effect.provide(LatencyStatsModule.layerMemory({ maxSamples: 20, maxAgeMs: 60 * 60 * 1000 })))
  )
})
