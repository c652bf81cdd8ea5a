import { describe, expect, it } from "@effect/vitest"
import {
  curveMetrics,
  evaluateRouting,
  exactCurve,
  firstCrossing,
  interpolate,
  oracleCurve,
  quantile,
  routellmCurve,
  trapezoid
} from "../../src/evaluation/Metrics.ts"

// Worked by hand (see comments): four prompts, strong model right on 3, weak model right on 1.
const prompts = [
  { winRate: 0.9, strongScore: 1, weakScore: 0 },
  { winRate: 0.7, strongScore: 1, weakScore: 1 },
  { winRate: 0.3, strongScore: 1, weakScore: 0 },
  { winRate: 0.1, strongScore: 0, weakScore: 0 }
]

describe("Metrics", () => {
  it("quantile interpolates linearly like numpy", () => {
    expect(quantile([0.1, 0.3, 0.7, 0.9], 0.5)).toBeCloseTo(0.5, 12)
    expect(quantile([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 12)
    expect(quantile([2], 0.7)).toBe(2)
  })

  it("trapezoid and interpolate match np.trapz / np.interp", () => {
    expect(trapezoid([0, 0.5, 1], [0.25, 0.5, 0.75])).toBeCloseTo(0.5, 12)
    expect(interpolate(0.35, [0.25, 0.5, 0.75], [0, 0.5, 1])).toBeCloseTo(0.2, 12)
    expect(interpolate(0.1, [0.25, 0.5], [0, 1])).toBe(0)
    expect(interpolate(0.9, [0.25, 0.5], [0, 1])).toBe(1)
  })

  it("exact curve: one point per strong-call count, by hand", () => {
    // weak total 1/4; then +1 (p1), +0 (p2), +1 (p3), +0 (p4)
    const curve = exactCurve(prompts)
    expect(curve.map((p) => p.strongFraction)).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(curve.map((p) => p.score)).toEqual([0.25, 0.5, 0.5, 0.75, 0.75])
    const metrics = curveMetrics(curve, 0.25, 0.75)
    // AUC = .09375 + .125 + .15625 + .1875 = .5625; APGR = (.5625 - .25) / .5 = .625
    expect(metrics.auc).toBeCloseTo(0.5625, 12)
    expect(metrics.apgr).toBeCloseTo(0.625, 12)
    // targets .35 / .5 / .65 are first reached at x = .1, .25, .65
    expect(metrics.cpt20).toBeCloseTo(0.1, 12)
    expect(metrics.cpt50).toBeCloseTo(0.25, 12)
    expect(metrics.cpt80).toBeCloseTo(0.65, 12)
  })

  it("RouteLLM curve with 2 bins: thresholds at quantiles 0, .5, 1 (last one strict)", () => {
    // thresholds .1 (all strong: .75), .5 (p1, p2 strong: .5), .9 strictly (none: .25)
    const curve = routellmCurve(prompts, 2)
    expect(curve.map((p) => [p.strongFraction, p.score])).toEqual([
      [0, 0.25],
      [0.5, 0.5],
      [1, 0.75]
    ])
    const metrics = curveMetrics(curve, 0.25, 0.75, { cpt: "numpy" })
    expect(metrics.auc).toBeCloseTo(0.5, 12)
    expect(metrics.apgr).toBeCloseTo(0.5, 12)
    expect(metrics.cpt20).toBeCloseTo(0.2, 12)
    expect(metrics.cpt50).toBeCloseTo(0.5, 12)
  })

  it("RouteLLM curve has bins + 1 points spanning 0..1", () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      winRate: (i * 37) % 100,
      strongScore: i % 2,
      weakScore: 0
    }))
    const curve = routellmCurve(many)
    expect(curve).toHaveLength(11)
    expect(curve[0]!.strongFraction).toBe(0)
    expect(curve[10]!.strongFraction).toBe(1)
  })

  it("a router that cannot separate prompts (all ties) scores exactly 0.5", () => {
    const tied = prompts.map((p) => ({ ...p, winRate: 0.5 }))
    const curve = exactCurve(tied)
    expect(curve.map((p) => p.strongFraction)).toEqual([0, 1])
    expect(curveMetrics(curve, 0.25, 0.75).apgr).toBeCloseTo(0.5, 12)
  })

  it("the oracle beats the hand-worked router and a reversed router is below 0.5", () => {
    const oracle = curveMetrics(oracleCurve(prompts), 0.25, 0.75).apgr
    // oracle ranks p1, p3 (gain 1, tied) then p2, p4: (0,.25) (.5,.75) (1,.75) → AUC .625, APGR .75
    expect(oracle).toBeCloseTo(0.75, 12)
    const reversed = evaluateRouting(prompts.map((p) => ({ ...p, winRate: -p.winRate })))
    expect(reversed.exact.metrics.apgr).toBeLessThan(0.5)
  })

  it("firstCrossing returns 1 when the target is never reached", () => {
    expect(
      firstCrossing(
        [
          { threshold: 1, strongFraction: 0, score: 0 },
          { threshold: 0, strongFraction: 1, score: 0.5 }
        ],
        0.9
      )
    ).toBe(1)
  })
})
