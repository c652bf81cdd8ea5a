import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as UsageCountersModule from "../../src/state/UsageCounters.ts"
import { UsageCounters } from "../../src/state/UsageCounters.ts"
import { usageBased } from "../../src/strategies/usageBased.ts"
import { candidates, context, deployment, ids, reasonFor, words } from "./fixtures.ts"

const use = (id: string, requests: number, tokensEach: number) =>
  Effect.flatMap(UsageCounters, (counters) => Effect.repeatN(counters.record(id, tokensEach), requests - 1))

describe("usageBased", () => {
  it.effect("orders by the share of rpm used this minute, least used first", () =>
    Effect.gen(function* () {
      const busy = deployment("busy", { rpm: 10 })
      const quiet = deployment("quiet", { rpm: 100 })
      yield* use("busy", 5, 10)
      yield* use("quiet", 20, 10)
      const outcome = yield* usageBased().apply(candidates(busy, quiet), context("hi"))
      expect(ids(outcome)).toEqual(["quiet", "busy"])
      // With this request: quiet 21/100, busy 6/10.
      expect(outcome.summary).toBe("usage: quiet 21% (rpm 21/100), busy 60% (rpm 6/10)")
    }).pipe(Effect.provide(UsageCountersModule.layerMemory))
  )

  it.effect("drops deployments this request would push over rpm", () =>
    Effect.gen(function* () {
      const full = deployment("full", { rpm: 3 })
      const free = deployment("free", { rpm: 3 })
      yield* use("full", 3, 1)
      const outcome = yield* usageBased().apply(candidates(full, free), context("hi"))
      expect(ids(outcome)).toEqual(["free"])
      expect(reasonFor(outcome, "full")).toBe("rpm 3 used + 1 > limit 3")
    }).pipe(Effect.provide(UsageCountersModule.layerMemory))
  )

  it.effect("counts this request's prompt and requested output against tpm", () =>
    Effect.gen(function* () {
      // 500 one-token words + 7 framing + 100 requested output = 607 tokens.
      const tight = deployment("tight", { tpm: 10_000 })
      const roomy = deployment("roomy", { tpm: 10_607 })
      yield* use("tight", 1, 9_400)
      yield* use("roomy", 1, 10_000)
      const outcome = yield* usageBased().apply(
        candidates(tight, roomy),
        context(words(500), { max_tokens: 100 })
      )
      expect(ids(outcome)).toEqual(["roomy"])
      expect(reasonFor(outcome, "tight")).toBe("tpm 9,400 used + 607 for this request > limit 10,000")
    }).pipe(Effect.provide(UsageCountersModule.layerMemory))
  )

  it.effect("takes the larger of the rpm and tpm shares, and puts unlimited deployments first", () =>
    Effect.gen(function* () {
      const tokenHeavy = deployment("tokenHeavy", { rpm: 100, tpm: 1_000 })
      const requestHeavy = deployment("requestHeavy", { rpm: 10, tpm: 100_000 })
      const unlimited = deployment("unlimited")
      yield* use("tokenHeavy", 1, 700)
      yield* use("requestHeavy", 4, 1)
      const outcome = yield* usageBased().apply(
        candidates(tokenHeavy, requestHeavy, unlimited),
        context("hi")
      )
      // tokenHeavy ~ 70%+ of tpm; requestHeavy 50% of rpm; unlimited 0%.
      expect(ids(outcome)).toEqual(["unlimited", "requestHeavy", "tokenHeavy"])
      expect(outcome.candidates[0]?.reasons.at(-1)).toContain("no rpm/tpm limit")
    }).pipe(Effect.provide(UsageCountersModule.layerMemory))
  )

  it.effect("forgets last minute's usage", () =>
    Effect.gen(function* () {
      const full = deployment("full", { rpm: 2 })
      yield* use("full", 2, 1)
      expect(ids(yield* usageBased().apply(candidates(full), context("hi")))).toEqual([])
      yield* TestClock.adjust("1 minute")
      expect(ids(yield* usageBased().apply(candidates(full), context("hi")))).toEqual(["full"])
    }).pipe(Effect.provide(UsageCountersModule.layerMemory))
  )
})
