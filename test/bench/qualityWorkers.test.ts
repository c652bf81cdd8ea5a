import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { planUnits, runQualityBench } from "../../bench/quality.ts"
import * as Trainers from "../../src/evaluation/Trainers.ts"

describe("bench quality on several processes", () => {
  it("plans one unit per embedder and benchmark, MT Bench together with arena (its training data)", () => {
    expect(
      planUnits([
        { benchmark: "mt-bench", embedders: ["static", "use-lite"] },
        { benchmark: "gsm8k", embedders: ["static", "use-lite"] },
        { benchmark: "arena", embedders: ["static", "use-lite"] },
        { benchmark: "mmlu", embedders: ["static"] }
      ])
    ).toEqual([
      { embedder: "static", benchmarks: ["mt-bench", "arena"] },
      { embedder: "static", benchmarks: ["gsm8k"] },
      { embedder: "static", benchmarks: ["mmlu"] },
      { embedder: "use-lite", benchmarks: ["mt-bench", "arena"] },
      { embedder: "use-lite", benchmarks: ["gsm8k"] }
    ])
    expect(planUnits([{ benchmark: "mt-bench", embedders: ["hashing"] }])).toEqual([
      { embedder: "hashing", benchmarks: ["mt-bench"] }
    ])
  })

  it.effect(
    "worker processes give exactly the numbers of a run in one process, in the same order",
    () =>
      Effect.gen(function* () {
        const trainers = Trainers.trainers.filter((trainer) => ["knn", "sw_ranking"].includes(trainer.name))
        const options = {
          benchmarks: ["mt-bench", "gsm8k"] as const,
          embedders: ["hashing"],
          trainers,
          folds: 3,
          cacheDir: mkdtempSync(join(tmpdir(), "quality-workers-"))
        }
        const parallel = yield* runQualityBench({ ...options, workers: 2 })
        const sequential = yield* runQualityBench({ ...options, workers: 1 })
        const figures = (results: typeof parallel) =>
          results.benchmarks.map((benchmark) => ({
            name: benchmark.name,
            prompts: benchmark.prompts,
            routers: benchmark.routers
          }))
        expect(figures(parallel)).toEqual(figures(sequential))
        expect(
          parallel.benchmarks.map((benchmark) => benchmark.routers.map((router) => router.router))
        ).toEqual([
          ["random", "token-count", "keyword", "knn", "sw_ranking", "oracle"],
          ["random", "token-count", "keyword", "knn", "sw_ranking", "oracle"]
        ])
      }),
    { timeout: 180_000 }
  )
})
