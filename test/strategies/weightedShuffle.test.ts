import { describe, expect, it } from "@effect/vitest"
import { Effect, Random } from "effect"
import * as fc from "fast-check"
import type { Deployment } from "../../src/core/Deployment.ts"
import { weightedShuffle } from "../../src/strategies/weightedShuffle.ts"
import type { WeightedShuffleOptions } from "../../src/strategies/weightedShuffle.ts"
import { candidates, context, deployment, ids } from "./fixtures.ts"

const ctx = context("hi")

const orderWithSeed = (
  deployments: ReadonlyArray<Deployment>,
  seed: number,
  options: WeightedShuffleOptions = {}
) =>
  weightedShuffle(options)
    .apply(candidates(...deployments), ctx)
    .pipe(Effect.map(ids), Effect.withRandom(Random.make(seed)))

/** The orders given by seeds 0 … runs-1, in one effect. */
const ordersOverSeeds = (
  deployments: ReadonlyArray<Deployment>,
  runs: number,
  options: WeightedShuffleOptions = {}
) =>
  Effect.runSync(
    Effect.forEach(
      Array.from({ length: runs }, (_, seed) => seed),
      (seed) => orderWithSeed(deployments, seed, options)
    )
  )

/** How often each id comes first over `runs` seeds. */
const firstFrequencies = (
  deployments: ReadonlyArray<Deployment>,
  runs: number,
  options: WeightedShuffleOptions = {}
) => {
  const counts = new Map<string, number>()
  for (const order of ordersOverSeeds(deployments, runs, options)) {
    const first = order[0] ?? "none"
    counts.set(first, (counts.get(first) ?? 0) + 1)
  }
  return (id: string) => (counts.get(id) ?? 0) / runs
}

describe("weightedShuffle", () => {
  it("puts each deployment first about as often as its share of the weights (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 2, maxLength: 5 }), (weights) => {
        const deployments = weights.map((weight, index) => deployment(`d${index}`, { weight }))
        const total = weights.reduce((a, b) => a + b, 0)
        const runs = 1_200
        const frequency = firstFrequencies(deployments, runs)
        weights.forEach((weight, index) => {
          // 1,200 draws: the standard error of a share is at most 1.5 points; allow 5.
          expect(Math.abs(frequency(`d${index}`) - weight / total)).toBeLessThan(0.05)
        })
      }),
      { numRuns: 6, seed: 20_261_129 }
    )
  })

  it("follows the weights for the whole order, not just the first place", () => {
    // Sampling without replacement: P(c, b, a) = 3/6 · 2/3 · 1 = 1/3 and P(a, b, c) = 1/6 · 2/5 = 1/15.
    const deployments = [
      deployment("a", { weight: 1 }),
      deployment("b", { weight: 2 }),
      deployment("c", { weight: 3 })
    ]
    const runs = 3_000
    const orders = new Map<string, number>()
    for (const order of ordersOverSeeds(deployments, runs)) {
      const key = order.join(",")
      orders.set(key, (orders.get(key) ?? 0) + 1)
    }
    expect(Math.abs((orders.get("c,b,a") ?? 0) / runs - 1 / 3)).toBeLessThan(0.04)
    expect(Math.abs((orders.get("a,b,c") ?? 0) / runs - 1 / 15)).toBeLessThan(0.03)
  })

  it("gives the same order for the same seed and different orders across seeds", () => {
    const deployments = ["a", "b", "c", "d"].map((id) => deployment(id))
    expect(Effect.runSync(orderWithSeed(deployments, 7))).toEqual(
      Effect.runSync(orderWithSeed(deployments, 7))
    )
    const distinct = new Set(ordersOverSeeds(deployments, 40).map((order) => order.join(",")))
    expect(distinct.size).toBeGreaterThan(5)
  })

  it("weighs by rpm or tpm when asked, or when no deployment sets a weight", () => {
    const deployments = [
      deployment("big", { rpm: 900, tpm: 1_000 }),
      deployment("small", { rpm: 100, tpm: 9_000 })
    ]
    expect(firstFrequencies(deployments, 1_000)("big")).toBeGreaterThan(0.85)
    expect(firstFrequencies(deployments, 1_000, { by: "tpm" })("small")).toBeGreaterThan(0.85)
  })

  it("keeps weight-0 deployments, last and in input order", () => {
    const deployments = [
      deployment("off1", { weight: 0 }),
      deployment("on", { weight: 1 }),
      deployment("off2", { weight: 0 })
    ]
    for (const order of ordersOverSeeds(deployments, 20)) expect(order).toEqual(["on", "off1", "off2"])
  })

  it.effect("summarises the weight source, the order and the shares", () =>
    Effect.gen(function* () {
      const outcome = yield* weightedShuffle()
        .apply(candidates(deployment("a", { weight: 3 }), deployment("b", { weight: 1 })), ctx)
        .pipe(Effect.withRandom(Random.make(1)))
      expect(outcome.summary).toMatch(/^weighted by weight: order (a, b|b, a); shares a 75%, b 25%$/)
      expect(outcome.removed).toEqual([])
    })
  )
})
