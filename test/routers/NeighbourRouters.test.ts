import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as KnnRouter from "../../src/routers/KnnRouter.ts"
import * as SimilarityWeightedRouter from "../../src/routers/SimilarityWeightedRouter.ts"
import { tableEmbedder } from "./support.ts"

describe("KnnRouter", () => {
  // Two clusters: near (1, 0) the strong model wins, near (0, 1) it loses.
  const vectors = [
    [1, 0.1],
    [1, -0.1],
    [0.9, 0],
    [0.1, 1],
    [-0.1, 1],
    [0, 0.9]
  ]
  const labels = [1, 1, 0.5, 0, 0, 0]
  const knn = KnnRouter.index(vectors, labels)

  it("averages the labels of the k most similar examples", () => {
    expect(KnnRouter.predict(knn, [1, 0], 3)).toBeCloseTo((1 + 1 + 0.5) / 3, 12)
    expect(KnnRouter.predict(knn, [0, 1], 3)).toBe(0)
    expect(KnnRouter.predict(knn, [1, 0], 6)).toBeCloseTo(2.5 / 6, 12)
    expect(KnnRouter.pairLabel(9, 7)).toBe(1)
    expect(KnnRouter.pairLabel(7, 7)).toBe(0.5)
  })

  it.effect("router embeds the prompt; bad k and dimension mismatches are rejected", () =>
    Effect.gen(function* () {
      const router = yield* KnnRouter.make({
        embedder: tableEmbedder(2, { code: [1, 0], chat: [0, 1] }),
        index: knn,
        k: 2
      })
      // nearest to (1, 0): (0.9, 0) with label 0.5 (cosine 1), then one of the label-1 examples
      expect(yield* router.winRate("code")).toBe(0.75)
      expect(yield* router.winRate("chat")).toBe(0)
      expect(
        Exit.isFailure(yield* Effect.exit(KnnRouter.make({ embedder: tableEmbedder(3, {}), index: knn })))
      ).toBe(true)
      expect(
        Exit.isFailure(
          yield* Effect.exit(KnnRouter.make({ embedder: tableEmbedder(2, {}), index: knn, k: 0 }))
        )
      ).toBe(true)
    })
  )
})

describe("SimilarityWeightedRouter", () => {
  it("Bradley–Terry: A beats B 3 times out of 4 → P(A beats B) = 3/4", () => {
    const wins = new Float64Array([0, 3, 1, 0])
    const strength = SimilarityWeightedRouter.bradleyTerry(wins, 2, { prior: 0 })
    expect(strength[0]! / (strength[0]! + strength[1]!)).toBeCloseTo(0.75, 6)
  })

  it("Bradley–Terry is transitive over three models", () => {
    // A > B (4:1), B > C (4:1), never A vs C directly
    const wins = new Float64Array([0, 4, 0, 1, 0, 4, 0, 1, 0])
    const s = SimilarityWeightedRouter.bradleyTerry(wins, 3, { prior: 0.01 })
    expect(s[0]!).toBeGreaterThan(s[1]!)
    expect(s[1]!).toBeGreaterThan(s[2]!)
  })

  it.effect("weights battles by similarity: prompts like the strong model's wins get higher win rates", () =>
    Effect.gen(function* () {
      const battles = SimilarityWeightedRouter.index(
        [
          [1, 0],
          [1, 0.1],
          [0, 1],
          [0.1, 1]
        ],
        [
          { strong: 9, weak: 3, other: 5 },
          { strong: 8, weak: 4 },
          { strong: 5, weak: 7, other: 6 },
          { strong: 6, weak: 6 }
        ],
        ["other", "strong", "weak"]
      )
      expect(battles.battleA.length).toBe(3 + 1 + 3 + 1)
      const embedder = tableEmbedder(2, { hard: [1, 0], easy: [0, 1] })
      const router = yield* SimilarityWeightedRouter.make({
        embedder,
        battles,
        strongModel: "strong",
        weakModel: "weak"
      })
      const hard = yield* router.winRate("hard")
      const easy = yield* router.winRate("easy")
      expect(hard).toBeGreaterThan(0.5)
      expect(hard).toBeGreaterThan(easy)
      const missing = yield* Effect.exit(
        SimilarityWeightedRouter.make({ embedder, battles, strongModel: "gpt-5", weakModel: "weak" })
      )
      expect(Exit.isFailure(missing)).toBe(true)
    })
  )
})
