import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Benchmark } from "../../src/evaluation/Datasets.ts"
import * as QualityBenchmark from "../../src/evaluation/QualityBenchmark.ts"
import * as Trainers from "../../src/evaluation/Trainers.ts"
import type { Trainer } from "../../src/evaluation/Trainers.ts"
import * as HashingEmbedder from "../../src/embeddings/HashingEmbedder.ts"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"

const random = SeededRandom.make(21)
// 120 prompts; the strong model wins exactly on "hard" prompts, which share vocabulary.
const benchmark: Benchmark = {
  name: "gsm8k",
  strongModel: "S",
  weakModel: "W",
  removedAsContaminated: 0,
  items: Array.from({ length: 120 }, (_, i) => {
    const hard = random.next() < 0.4
    return {
      id: `${i}`,
      prompt: hard ? `prove the theorem about integrals number ${i}` : `say hello to my friend number ${i}`,
      scores: { S: 1, W: hard ? 0 : 1 }
    }
  })
}

// A trainer that memorises: win rate 1 for a training prompt the strong model won, else 0.5.
const memoriser: Trainer = {
  name: "knn",
  fit: (set) => {
    const won = new Set(
      set.items.filter((item) => item.scores["S"]! > item.scores["W"]!).map((item) => item.prompt)
    )
    const byVector = new Map(
      set.embeddings.map((vector, index) => [vector.join(","), set.items[index]!.prompt])
    )
    return {
      predict: (vectors) =>
        vectors.map((vector) => (won.has(byVector.get(vector.join(",")) ?? "") ? 1 : 0.5)),
      hyperParameters: {}
    }
  }
}

// The best achievable APGR here: the gain is all on the hard share h, so the oracle curve rises
// linearly to h and stays flat: APGR = 1 − h/2.
const hardShare = benchmark.items.filter((item) => item.scores["W"] === 0).length / benchmark.items.length
const oracleApgr = 1 - hardShare / 2

describe("QualityBenchmark", () => {
  const embedder = HashingEmbedder.make({ dimension: 64 })
  const embeddings = Effect.runSync(embedder.embedMany(benchmark.items.map((item) => item.prompt)))

  it("out-of-fold scoring gives a memorising router no credit", () => {
    const result = QualityBenchmark.outOfFoldResult(benchmark, embeddings, memoriser, {
      k: 5,
      seed: 0,
      embedder: embedder.name
    })
    expect(result.protocol).toBe("k-fold")
    expect(result.prompts).toHaveLength(120)
    // every held-out prompt is unseen → all win rates 0.5 → APGR exactly 0.5
    expect(result.evaluation.exact.metrics.apgr).toBeCloseTo(0.5, 12)
  })

  it("a real trainer generalises across folds on separable prompts", () => {
    const result = QualityBenchmark.outOfFoldResult(benchmark, embeddings, Trainers.matrixFactorization(), {
      k: 5,
      seed: 0,
      embedder: embedder.name
    })
    expect(result.evaluation.exact.metrics.apgr).toBeGreaterThan(oracleApgr - 0.02)
    expect(result.hyperParameters).toHaveLength(5)
  })

  it("held-out: trains on one benchmark and scores another", () => {
    const result = QualityBenchmark.heldOutResult(
      { benchmark, embeddings },
      { benchmark, embeddings },
      Trainers.classifier(),
      { seed: 0, embedder: embedder.name }
    )
    expect(result.protocol).toBe("held-out")
    expect(result.evaluation.exact.metrics.apgr).toBeGreaterThan(oracleApgr - 0.02)
  })

  it.effect("run reports heuristics, random over seeds, oracle and trained routers", () =>
    Effect.gen(function* () {
      const reports = yield* QualityBenchmark.run({
        benchmarks: [benchmark],
        arena: benchmark,
        embedders: [embedder],
        trainers: [Trainers.knn()],
        k: 3,
        randomSeeds: 3,
        cacheDir: mkdtempSync(join(tmpdir(), "quality-cache-"))
      })
      const report = reports[0]!
      expect(report.random.seeds).toBe(3)
      expect(report.oracle.metrics.apgr).toBeGreaterThanOrEqual(
        Math.max(...report.results.map((r) => r.evaluation.exact.metrics.apgr)) - 1e-12
      )
      expect(report.results.map((r) => r.router)).toEqual(["token-count", "keyword", "knn"])
    })
  )
})
