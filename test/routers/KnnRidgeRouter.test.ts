import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { train } from "../../src/cli/commands/train.ts"
import * as KnnRidgeRouter from "../../src/routers/KnnRidgeRouter.ts"
import * as KnnRidgeTraining from "../../src/routers/KnnRidgeTraining.ts"
import { makeRouter } from "../../src/routers/RouterRegistry.ts"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"
import * as Weights from "../../src/routers/Weights.ts"
import { tableEmbedder } from "./support.ts"

// Examples in 3-d: prompts near axis 0 favour the strong model (gap +2), near axis 1 the weak one
// (gap −1), near axis 2 neither (gap 0); a little noise keeps every prompt distinct.
const synthetic = (count: number, seed: number) => {
  const random = SeededRandom.make(seed)
  const gapOfCluster = [2, -1, 0]
  return Array.from({ length: count }, (_, index) => {
    const cluster = index % 3
    const embedding = [0, 0, 0].map((_, axis) => (axis === cluster ? 1 : 0) + 0.2 * (random.next() - 0.5))
    return { embedding, gap: gapOfCluster[cluster]!, group: `prompt ${index}` }
  })
}

describe("KnnRidgeRouter", () => {
  it("neighbour averages: plain mean of the k most similar, or softmax-weighted by similarity", () => {
    const similarities = [0.9, 0.1, 0.5]
    const gaps = [1, -1, 0]
    const [plain, weighted, all] = KnnRidgeRouter.neighbourAverages(similarities, gaps, [
      { k: 2, temperature: 0 },
      { k: 2, temperature: 0.1 },
      { k: 3, temperature: 0 }
    ])
    expect(plain).toBeCloseTo((1 + 0) / 2, 12)
    // weights 1 (similarity 0.9) and e^((0.5 − 0.9) / 0.1) = e^−4 (similarity 0.5, gap 0)
    expect(weighted).toBeCloseTo(1 / (1 + Math.exp(-4)), 12)
    expect(all).toBeCloseTo(0, 12)
  })

  it("ridge recovers a linear relation when the penalty is small", () => {
    const random = SeededRandom.make(3)
    const vectors = Array.from({ length: 200 }, () => [random.next(), random.next()])
    const targets = vectors.map(([a, b]) => 2 * a! - b! + 3)
    const [{ direction, offset }] = KnnRidgeTraining.ridgeGrid(vectors, targets, [1e-6]) as [
      { direction: Float32Array; offset: number }
    ]
    expect(direction[0]).toBeCloseTo(2, 3)
    expect(direction[1]).toBeCloseTo(-1, 3)
    expect(offset).toBeCloseTo(3, 3)
  })

  it("fit ranks prompts by their cluster's gap and is deterministic for a seed", () => {
    const examples = synthetic(300, 1)
    const model = KnnRidgeTraining.fit(examples, { seed: 7 })
    const strong = KnnRidgeRouter.winRate(model, [1, 0, 0])
    const neutral = KnnRidgeRouter.winRate(model, [0, 0, 1])
    const weak = KnnRidgeRouter.winRate(model, [0, 1, 0])
    expect(strong).toBeGreaterThan(neutral)
    expect(neutral).toBeGreaterThan(weak)
    // Calibrated: the strong model always wins near axis 0 and always loses near axis 1.
    expect(strong).toBeGreaterThan(0.5)
    expect(weak).toBeLessThan(0.5)
    expect(model.alpha).toBeGreaterThanOrEqual(0)
    expect(model.alpha).toBeLessThanOrEqual(1)
    const again = KnnRidgeTraining.fit(examples, { seed: 7 })
    expect(again.k).toBe(model.k)
    expect(again.alpha).toBe(model.alpha)
    expect(KnnRidgeRouter.winRate(again, [1, 0, 0])).toBe(strong)
    // The batch path gives the per-prompt numbers.
    const batch = KnnRidgeRouter.winRates(model, [
      [1, 0, 0],
      [0, 1, 0]
    ])
    expect(batch[0]).toBeCloseTo(strong, 9)
    expect(batch[1]).toBeCloseTo(weak, 9)
  })

  it.effect("saves and loads through the registry; bad weights and dimensions are rejected", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "knn-ridge-"))
      const model = KnnRidgeTraining.fit(synthetic(150, 2), { seed: 0, ks: [10, 25] })
      const path = join(dir, "kr.json")
      yield* KnnRidgeRouter.save(path, model, { embedder: "hashing" })
      const manifest = JSON.parse(readFileSync(path, "utf8")) as {
        router: string
        extra: Record<string, unknown>
      }
      expect(manifest.router).toBe("knn_ridge")
      const embedder = tableEmbedder(3, { strong: [1, 0, 0], weak: [0, 1, 0] })
      const router = yield* KnnRidgeRouter.make({
        model: yield* KnnRidgeRouter.fromWeights(yield* Weights.loadWeights(path)),
        embedder
      })
      // float16 examples: the loaded router agrees with the fitted model up to rounding
      expect(yield* router.winRate("strong")).toBeCloseTo(KnnRidgeRouter.winRate(model, [1, 0, 0]), 2)
      expect(yield* router.winRate("strong")).toBeGreaterThan(yield* router.winRate("weak"))
      const wrongDimension = yield* Effect.exit(
        KnnRidgeRouter.make({ model, embedder: tableEmbedder(4, {}) })
      )
      expect(Exit.isFailure(wrongDimension)).toBe(true)
      writeFileSync(
        join(dir, "broken.json"),
        JSON.stringify({ ...manifest, extra: { ...manifest.extra, alpha: "half" } })
      )
      const broken = yield* Effect.exit(makeRouter("knn_ridge", { weights: join(dir, "broken.json") }))
      expect(
        Exit.isFailure(broken) &&
          broken.cause._tag === "Fail" &&
          broken.cause.error.reason === "InvalidWeights" &&
          broken.cause.error.message.includes("extra.alpha")
      ).toBe(true)
    })
  )

  it.effect("llm-router train --router knn_ridge writes weights that score --router knn_ridge loads", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "knn-ridge-train-"))
      const lines = Array.from({ length: 60 }, (_, index) =>
        JSON.stringify(
          index % 2 === 0
            ? { prompt: `prove theorem number ${index} about primes`, scores: { big: 9, small: 3 } }
            : { prompt: `say hello to friend number ${index}`, scores: { big: 8, small: 8 } }
        )
      )
      writeFileSync(join(dir, "data.jsonl"), lines.join("\n"))
      const output = join(dir, "out", "kr.json")
      const result = yield* train({
        data: join(dir, "data.jsonl"),
        router: "knn_ridge",
        embedder: "hashing",
        output,
        strongModel: "big",
        weakModel: "small"
      })
      expect(result.router).toBe("knn_ridge")
      const router = yield* makeRouter("knn_ridge", { weights: output })
      expect(yield* router.winRate("prove theorem number 1000 about primes")).toBeGreaterThan(
        yield* router.winRate("say hello to friend number 1001")
      )
    })
  )
})
