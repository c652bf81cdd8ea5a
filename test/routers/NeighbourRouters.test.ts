import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as KnnRouter from "../../src/routers/KnnRouter.ts"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"
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

// Random unit-ish vectors with duplicates (so that similarities tie exactly) for the batch paths.
const randomVectors = (seed: number, count: number, d: number): Array<Float32Array> => {
  const random = SeededRandom.make(seed)
  const distinct = Array.from({ length: Math.ceil(count / 2) }, () =>
    Float32Array.from({ length: d }, () => random.next() * 2 - 1)
  )
  return Array.from({ length: count }, () => distinct[random.nextInt(distinct.length)]!)
}

describe("batch predictions", () => {
  it("meanOfNearestLabels: the k most similar by a stable sort (ties: earlier example first)", () => {
    const random = SeededRandom.make(3)
    for (let trial = 0; trial < 20; trial++) {
      const count = 1 + random.nextInt(60)
      // few distinct values, so that many similarities tie
      const similarities = Array.from({ length: count }, () => random.nextInt(7) / 7 - 0.5)
      const labels = Array.from({ length: count }, () => [0, 0.5, 1][random.nextInt(3)]!)
      const ks = [1, 3, 10, 25]
      const order = similarities
        .map((similarity, index) => ({ similarity, index }))
        .sort((a, b) => b.similarity - a.similarity || a.index - b.index)
      const expected = ks.map((k) => {
        const used = Math.min(k, count)
        let sum = 0
        for (let i = 0; i < used; i++) sum += labels[order[i]!.index]!
        return sum / used
      })
      expect(KnnRouter.meanOfNearestLabels(similarities, labels, ks)).toEqual(expected)
    }
    expect(KnnRouter.meanOfNearestLabels([], [], [5])).toEqual([0.5])
  })

  it("nearest: the first `take` of a stable sort by decreasing similarity, for any take", () => {
    const random = SeededRandom.make(17)
    for (let trial = 0; trial < 40; trial++) {
      const count = random.nextInt(300)
      const distinct = 1 + random.nextInt(12) // few distinct values: long runs of ties
      const similarities = Float64Array.from(
        { length: count },
        () => random.nextInt(distinct) / distinct - 0.3
      )
      const sorted = Array.from({ length: count }, (_, index) => index).sort(
        (a, b) => similarities[b]! - similarities[a]! || a - b
      )
      for (const take of [0, 1, 2, 7, 50, count, count + 5]) {
        expect(Array.from(KnnRouter.nearest(similarities, take))).toEqual(sorted.slice(0, Math.max(0, take)))
      }
    }
  })

  it("KnnRouter.predictBatch gives exactly predictMany's numbers, query by query", () => {
    const d = 24
    const examples = randomVectors(1, 150, d)
    const labels = examples.map((_, index) => [0, 0.5, 1][index % 3]!)
    const knn = KnnRouter.index(examples, labels)
    const queries = [...randomVectors(2, 70, d), ...examples.slice(0, 5)]
    const ks = [1, 10, 25, 200]
    expect(KnnRouter.predictBatch(knn, queries, ks)).toEqual(
      queries.map((query) => KnnRouter.predictMany(knn, query, ks))
    )
  })

  it("SimilarityWeightedRouter.winRates gives exactly winRate's numbers, query by query", () => {
    const d = 16
    const models = ["a", "b", "c", "d"]
    const random = SeededRandom.make(9)
    const examples = randomVectors(4, 90, d)
    const scores = examples.map(() =>
      Object.fromEntries(models.flatMap((model) => (random.next() < 0.8 ? [[model, random.nextInt(4)]] : [])))
    )
    const battles = SimilarityWeightedRouter.index(examples, scores, models)
    const queries = [...randomVectors(5, 37, d), examples[0]!]
    expect(SimilarityWeightedRouter.winRates(battles, queries, 1, 3)).toEqual(
      queries.map((query) => SimilarityWeightedRouter.winRate(battles, query, 1, 3))
    )
  })
})
