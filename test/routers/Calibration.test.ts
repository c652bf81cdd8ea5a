import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Calibration from "../../src/routers/Calibration.ts"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"
import * as Selection from "../../src/routers/Selection.ts"
import type { QualityRouter } from "../../src/routers/WinRateRouter.ts"

describe("Calibration", () => {
  it("threshold for a strong fraction is the matching order statistic", () => {
    const rates = [0.1, 0.4, 0.6, 0.9]
    expect(Calibration.thresholdForStrongFraction(rates, 0.5)).toBe(0.6)
    expect(Calibration.strongFractionAt(rates, 0.6)).toBe(0.5)
    expect(Calibration.strongFractionAt(rates, Calibration.thresholdForStrongFraction(rates, 0))).toBe(0)
    expect(Calibration.strongFractionAt(rates, Calibration.thresholdForStrongFraction(rates, 1))).toBe(1)
  })

  it.effect("the online controller converges to the target strong fraction on shifting traffic", () =>
    Effect.gen(function* () {
      const controller = yield* Calibration.makeController({ target: { strongFraction: 0.3 }, gain: 0.01 })
      const random = SeededRandom.make(9)
      let strong = 0
      for (let i = 0; i < 6000; i++) {
        // traffic drifts: win rates shift upwards half-way through
        const rate = i < 3000 ? random.next() * 0.6 : 0.3 + random.next() * 0.7
        const decision = yield* controller.decide(rate)
        if (i >= 4000 && decision) strong++
      }
      expect(strong / 2000).toBeGreaterThan(0.26)
      expect(strong / 2000).toBeLessThan(0.34)
      expect((yield* controller.state).decisions).toBe(6000)
    })
  )

  it.effect("a spend-rate target maps to the implied strong fraction", () =>
    Effect.gen(function* () {
      // budget 4 per request with strong 10, weak 1 → (4 - 1) / 9 = 1/3 strong
      const controller = yield* Calibration.makeController({
        target: { costPerRequest: 4, strongCost: 10, weakCost: 1 },
        gain: 0.01
      })
      const random = SeededRandom.make(2)
      let strong = 0
      for (let i = 0; i < 5000; i++) if ((yield* controller.decide(random.next())) && i >= 3000) strong++
      expect(strong / 2000).toBeCloseTo(1 / 3, 1)
    })
  )
})

describe("Selection", () => {
  it("maximises quality − λ·cost", () => {
    const qualities = { big: 9, mid: 7, small: 5 }
    const costs = { big: 10, mid: 2, small: 1 }
    expect(Selection.select(qualities, costs, 0)?.model).toBe("big")
    // λ = 0.5: big 4, mid 6, small 4.5
    expect(Selection.select(qualities, costs, 0.5)?.model).toBe("mid")
    // λ = 3: big -21, mid 1, small 2
    expect(Selection.select(qualities, costs, 3)?.model).toBe("small")
    expect(Selection.select(qualities, {}, 1)).toBeUndefined()
  })

  it.effect("selectModel runs a quality router and fails when no priced model is known", () =>
    Effect.gen(function* () {
      const router: QualityRouter = {
        name: "fixed",
        models: ["big", "small"],
        predict: () => Effect.succeed({ big: 9, small: 5 })
      }
      expect((yield* Selection.selectModel(router, "hi", { big: 1, small: 1 }, 0.1)).model).toBe("big")
      const exit = yield* Effect.exit(Selection.selectModel(router, "hi", { other: 1 }, 0.1))
      expect(exit._tag).toBe("Failure")
    })
  )
})
