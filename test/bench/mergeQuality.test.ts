import { describe, expect, it } from "@effect/vitest"
import { mergeQuality } from "../../bench/mergeQuality.ts"
import type { BenchmarkResult, QualityResults, RouterResult } from "../../bench/qualityResults.ts"
import { resultName } from "../../bench/qualityResults.ts"

const metrics = { cpt20: 0.1, cpt50: 0.3, cpt80: 0.6, auc: 0.7, apgr: 0.55 }
const router = (
  name: string,
  embedder: string | null,
  protocol: RouterResult["protocol"] = "k-fold"
): RouterResult => ({
  router: name,
  embedder,
  protocol,
  seeds: 1,
  routellm: { metrics, curve: [] },
  exact: { metrics, curve: [] },
  winRates: []
})
const mmlu = (
  routers: ReadonlyArray<RouterResult>,
  skipped: BenchmarkResult["skipped"]
): BenchmarkResult => ({
  name: "mmlu",
  strongModel: "s",
  weakModel: "w",
  prompts: ["a", "b"],
  removedAsContaminated: 0,
  strongScore: 0.8,
  weakScore: 0.7,
  routers,
  skipped
})
const results = (benchmark: BenchmarkResult, seconds: number): QualityResults => ({
  generatedAt: "t",
  folds: 5,
  seed: 0,
  protocols: {},
  embeddingCache: ".cache",
  durationSeconds: seconds,
  cpuSeconds: seconds,
  machine: { cores: 2, loadAverageStart: 0, loadAverageEnd: 0 },
  benchmarks: [benchmark]
})

describe("mergeQuality", () => {
  it("adds the side run's embedder routers before the oracle and clears their skipped entries", () => {
    const main = results(
      mmlu(
        [router("random", null, "none"), router("mf", "static"), router("oracle", null, "oracle")],
        [{ router: "all trained routers", embedder: "use-lite", reason: "not cached" }]
      ),
      100
    )
    const side = results(
      mmlu(
        [
          router("random", null, "none"),
          router("mf", "use-lite"),
          router("knn", "use-lite"),
          router("oracle", null, "oracle")
        ],
        []
      ),
      50
    )
    const merged = mergeQuality(main, side)
    expect(merged.benchmarks[0]!.routers.map(resultName)).toEqual([
      "random",
      "mf-static",
      "mf-use-lite",
      "knn-use-lite",
      "oracle"
    ])
    expect(merged.benchmarks[0]!.skipped).toEqual([])
    expect(merged.durationSeconds).toBe(150)
  })

  it("appends a benchmark the main results lack", () => {
    const main = results({ ...mmlu([router("mf", "static")], []), name: "gsm8k" }, 10)
    const side = results(mmlu([router("mf", "static")], []), 20)
    expect(mergeQuality(main, side).benchmarks.map((benchmark) => benchmark.name)).toEqual(["gsm8k", "mmlu"])
  })
})
