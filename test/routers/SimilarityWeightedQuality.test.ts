import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { makeRouter } from "../../src/routers/RouterRegistry.ts"
import * as Selection from "../../src/routers/Selection.ts"
import type { QualityRouter, WinRateRouter } from "../../src/routers/WinRateRouter.ts"

const strong = "gpt-4-1106-preview"
const weak = "mistralai/Mixtral-8x7B-Instruct-v0.1"

describe("sw_ranking as a quality router (N-way selection)", () => {
  it.effect("predicts every model on the Bradley–Terry logit scale, consistent with its win rate", () =>
    Effect.gen(function* () {
      const router = (yield* makeRouter("sw_ranking")) as WinRateRouter & Partial<QualityRouter>
      expect(router.predict).toBeDefined()
      expect(router.models).toContain(strong)
      for (const prompt of [
        "Prove that there are infinitely many primes",
        "hi there",
        "Write a haiku about rain"
      ]) {
        const qualities = yield* router.predict!(prompt)
        expect(Object.keys(qualities).sort()).toEqual([...router.models!].sort())
        // σ(quality(strong) − quality(weak)) is the router's win rate for that pair.
        const winRate = yield* router.winRate(prompt)
        expect(1 / (1 + Math.exp(-(qualities[strong]! - qualities[weak]!)))).toBeCloseTo(winRate, 10)
      }
      // λ = 0 picks the best predicted model; a large λ the cheapest.
      const costs = { [strong]: 0.03, [weak]: 0.0006, "claude-instant-1": 0.0016 }
      const prompt = "Prove that there are infinitely many primes"
      const qualities = yield* router.predict!(prompt)
      const best = Object.keys(costs).reduce((a, b) => (qualities[a]! >= qualities[b]! ? a : b))
      expect((yield* Selection.selectModel(router as QualityRouter, prompt, costs, 0)).model).toBe(best)
      expect((yield* Selection.selectModel(router as QualityRouter, prompt, costs, 1e6)).model).toBe(weak)
    })
  )
})
