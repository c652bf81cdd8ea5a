import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { BenchmarkResult, QualityResults, RouterResult } from "../../bench/qualityResults.ts"
import { resultName, shippedEmbedder, thin, writeScores } from "../../bench/qualityResults.ts"
import { curveRows, curveSpec, htmlReport, renderSvg } from "../../bench/report.ts"
import { markdownTable, textTable } from "../../bench/tables.ts"

const metrics = { cpt20: 0.1, cpt50: 0.3, cpt80: 0.6, auc: 0.7, apgr: 0.55 }
const shipped = shippedEmbedder("mf") ?? "missing: weights/mf-default.json names no embedder"

const router = (name: string, embedder: string | null, winRates: ReadonlyArray<number>): RouterResult => ({
  router: name,
  embedder,
  protocol: embedder === null ? "none" : "k-fold",
  seeds: 1,
  routellm: {
    metrics,
    curve: [
      { strongFraction: 0, score: 0.5 },
      { strongFraction: 1, score: 0.9 }
    ]
  },
  exact: {
    metrics,
    curve: [
      { strongFraction: 0, score: 0.5 },
      { strongFraction: 0.5, score: 0.8 },
      { strongFraction: 1, score: 0.9 }
    ]
  },
  winRates
})
const benchmark: BenchmarkResult = {
  name: "gsm8k",
  strongModel: "strong",
  weakModel: "weak",
  prompts: ["What is 1 + 1?", "Solve x² = 4"],
  removedAsContaminated: 0,
  strongScore: 0.9,
  weakScore: 0.5,
  routers: [
    router("token-count", null, [0.2, 0.7]),
    router("mf", "static", [0.3, 0.8]),
    router("mf", "hashing-512", [0.5, 0.1]),
    // The embedder the shipped mf weights name: its scores are also the bare `mf.jsonl`.
    router("mf", shipped, [0.4, 0.6])
  ],
  skipped: []
}
const results: QualityResults = {
  generatedAt: "2026-01-01T00:00:00Z",
  folds: 5,
  seed: 0,
  protocols: { none: "untrained" },
  embeddingCache: ".cache",
  durationSeconds: 1,
  cpuSeconds: 1,
  machine: { cores: 2, loadAverageStart: 0, loadAverageEnd: 0 },
  benchmarks: [benchmark]
}

describe("thin", () => {
  it("keeps every point of a short curve and both ends of a long one", () => {
    const curve = Array.from({ length: 1001 }, (_, index) => ({ strongFraction: index / 1000, score: index }))
    const thinned = thin(curve, 11)
    expect(thinned).toHaveLength(11)
    expect(thinned[0]).toEqual({ strongFraction: 0, score: 0 })
    expect(thinned[10]).toEqual({ strongFraction: 1, score: 1000 })
    expect(thinned[5]).toEqual({ strongFraction: 0.5, score: 500 })
    expect(thin(curve.slice(0, 3))).toHaveLength(3)
    expect(thin([])).toEqual([])
  })
})

describe("writeScores", () => {
  it("writes one { prompt, winRate } line per prompt, per benchmark and router", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-scores-"))
    try {
      writeScores(dir, results)
      expect(readdirSync(join(dir, "gsm8k")).sort()).toEqual(
        [
          "mf-hashing-512.jsonl",
          "mf-static.jsonl",
          `mf-${shipped}.jsonl`,
          "mf.jsonl",
          "token-count.jsonl"
        ].sort()
      )
      const lines = readFileSync(join(dir, "gsm8k", "mf.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as unknown)
      expect(lines).toEqual([
        { prompt: "What is 1 + 1?", winRate: 0.4 },
        { prompt: "Solve x² = 4", winRate: 0.6 }
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("charts", () => {
  it("plots one series per router (with its embedder) from the exact curves", () => {
    const rows = curveRows(benchmark)
    expect(new Set(rows.map((row) => row.router))).toEqual(
      new Set(["token-count", "mf-static", "mf-hashing-512", `mf-${shipped}`])
    )
    expect(rows.filter((row) => row.router === "mf-static").map((row) => row.strongPercent)).toEqual([
      0, 50, 100
    ])
    expect(resultName(benchmark.routers[1]!)).toBe("mf-static")
  })

  it("renders the vega-lite spec to an SVG offline", async () => {
    const svg = await renderSvg(curveSpec(benchmark))
    expect(svg.startsWith("<svg")).toBe(true)
    expect(svg).toContain("mf-hashing-512")
    expect(svg).toContain("strong model alone")
  })

  it("embeds the plots and tables in one self-contained HTML page", async () => {
    const page = await htmlReport(results)
    expect(page).toContain("<svg")
    expect(page).toContain("<td>mf-static</td>")
    expect(page).not.toMatch(/<script|<link /)
  })
})

describe("tables", () => {
  it("aligns text columns: first left, others right", () => {
    expect(
      textTable(
        ["name", "n"],
        [
          ["a", "10"],
          ["bbb", "2"]
        ]
      )
    ).toBe("name   n\n----  --\na     10\nbbb    2")
  })

  it("writes a markdown table with right-aligned number columns", () => {
    expect(markdownTable(["router", "APGR"], [["mf", "0.8"]])).toBe(
      "| router | APGR |\n| --- | ---: |\n| mf | 0.8 |"
    )
  })
})
