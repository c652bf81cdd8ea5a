import { describe, expect, it } from "@effect/vitest"
import type { OverheadFile, QualityFile } from "../../bench/readme-results.ts"
import { overheadMarkdown, qualityMarkdown, ROUTELLM_PUBLISHED } from "../../bench/readme-results.ts"

const metrics = (apgr: number) => ({ apgr, cpt50: 0.4, cpt80: 0.7 })
const quality: QualityFile = {
  generatedAt: "2026-01-01T00:00:00Z",
  durationSeconds: 60,
  cpuSeconds: 50,
  machine: { cores: 2, loadAverageStart: 1, loadAverageEnd: 1 },
  protocols: { "k-fold": "out of fold" },
  benchmarks: [
    {
      name: "mt-bench",
      promptCount: 72,
      strongScore: 9.2,
      weakScore: 8.3,
      routers: [
        {
          name: "mf-static",
          protocol: "held-out",
          seeds: 1,
          routellm: { metrics: metrics(0.7) },
          exact: { metrics: metrics(0.71) }
        }
      ],
      skipped: []
    },
    {
      name: "mmlu",
      promptCount: 14000,
      strongScore: 0.8,
      weakScore: 0.68,
      routers: [
        {
          name: "mf-static",
          protocol: "k-fold",
          seeds: 1,
          routellm: { metrics: metrics(0.6) },
          exact: { metrics: metrics(0.61) }
        }
      ],
      skipped: [{ embedder: "use-lite", reason: "not cached" }]
    }
  ]
}

describe("qualityMarkdown", () => {
  it("puts RouteLLM's published APGRs in the same table as ours", () => {
    const markdown = qualityMarkdown(quality)
    expect(ROUTELLM_PUBLISHED).toEqual({ "mt-bench": 0.802, mmlu: 0.603, gsm8k: 0.622 })
    expect(markdown).toContain("| `mf-static` | held-out / k-fold | 0.700 (0.710) | 0.600 (0.610) | — | — |")
    expect(markdown).toMatch(/\| RouteLLM, best published \| .* \| 0\.802 \| 0\.603 \| 0\.622 \| — \|/)
    expect(markdown).toContain("Not evaluated on MMLU: use-lite — not cached")
  })
})

describe("overheadMarkdown", () => {
  it("lists every decision and gateway row, and a dash for a latency nobody measured", () => {
    const overhead: OverheadFile = {
      decision: [{ router: "router: mf", embedder: "static", p50Ms: 0.25, p99Ms: 1.5, perSecond: 3000 }],
      gateway: [{ name: "portkey", rps: 100, stream: true, addedP50Ms: null, addedP99Ms: 4, errors: 100 }]
    }
    const markdown = overheadMarkdown(overhead)
    expect(markdown).toContain("| router: mf | static | 0.250 | 1.500 | 3000 |")
    expect(markdown).toContain("| portkey | streaming | 100 | — | 4.00 | 100 | — |")
  })
})
