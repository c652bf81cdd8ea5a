import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as SpendTrackerModule from "../../src/state/SpendTracker.ts"
import { SpendTracker } from "../../src/state/SpendTracker.ts"
import { budget, spendKeys } from "../../src/strategies/budget.ts"
import { candidates, context, deployment, ids, reasonFor } from "./fixtures.ts"

const azure = deployment("gpt-4o@azure", { provider: "azure-openai" })
const openai = deployment("gpt-4o@openai", { provider: "openai" })
const mini = deployment("mini@openai", { provider: "openai" })
const all = candidates(azure, openai, mini)

const spend = (d: typeof azure, usd: number) =>
  Effect.flatMap(SpendTracker, (tracker) => tracker.record(spendKeys(d), usd))

describe("budget", () => {
  it.effect("drops a deployment once its own spend in the window reaches the budget", () =>
    Effect.gen(function* () {
      const strategy = budget([{ scope: "deployment", maxUsd: 2, window: "1 hour" }])
      yield* spend(openai, 1.5)
      expect(ids(yield* strategy.apply(all, context("hi")))).toEqual([
        "gpt-4o@azure",
        "gpt-4o@openai",
        "mini@openai"
      ])
      yield* spend(openai, 0.5)
      const outcome = yield* strategy.apply(all, context("hi"))
      expect(ids(outcome)).toEqual(["gpt-4o@azure", "mini@openai"])
      expect(reasonFor(outcome, "gpt-4o@openai")).toBe(
        "deployment gpt-4o@openai spent $2.00 of $2.00 this 1 hour window"
      )
      expect(outcome.summary).toContain("budgets deployment ≤ $2.00 per 1 hour")
    }).pipe(Effect.provide(SpendTrackerModule.layerMemory))
  )

  it.effect("applies a provider budget to every deployment of that provider", () =>
    Effect.gen(function* () {
      const strategy = budget([{ scope: "provider", name: "openai", maxUsd: 0.5, window: "1 day" }])
      yield* spend(mini, 0.3)
      yield* spend(openai, 0.25)
      // Heavy spend on azure does not count against the openai provider budget.
      yield* spend(azure, 100)
      const outcome = yield* strategy.apply(all, context("hi"))
      expect(ids(outcome)).toEqual(["gpt-4o@azure"])
      expect(reasonFor(outcome, "mini@openai")).toBe("provider openai spent $0.55 of $0.50 this 1 day window")
    }).pipe(Effect.provide(SpendTrackerModule.layerMemory))
  )

  it.effect("lets a deployment back in when a new window starts", () =>
    Effect.gen(function* () {
      const strategy = budget([{ scope: "deployment", name: "gpt-4o@azure", maxUsd: 1, window: "1 minute" }])
      yield* spend(azure, 1)
      yield* spend(openai, 1)
      expect(ids(yield* strategy.apply(all, context("hi")))).toEqual(["gpt-4o@openai", "mini@openai"])
      yield* TestClock.adjust("61 seconds")
      expect(ids(yield* strategy.apply(all, context("hi")))).toEqual([
        "gpt-4o@azure",
        "gpt-4o@openai",
        "mini@openai"
      ])
    }).pipe(Effect.provide(SpendTrackerModule.layerMemory))
  )

  it.effect("checks every budget and lists each one exceeded", () =>
    Effect.gen(function* () {
      const strategy = budget([
        { scope: "deployment", maxUsd: 1, window: "30 days" },
        { scope: "provider", maxUsd: 1, window: "1 hour" }
      ])
      yield* spend(openai, 3)
      const outcome = yield* strategy.apply(all, context("hi"))
      expect(ids(outcome)).toEqual(["gpt-4o@azure"])
      expect(reasonFor(outcome, "gpt-4o@openai")).toBe(
        "deployment gpt-4o@openai spent $3.00 of $1.00 this 30 days window; provider openai spent $3.00 of $1.00 this 1 hour window"
      )
    }).pipe(Effect.provide(SpendTrackerModule.layerMemory))
  )
})
