/**
 * Charts and the HTML report of the benchmarks: vega-lite specs, rendered to SVG offline by vega's
 * headless view (no browser, no network), and a self-contained HTML page embedding them.
 *
 * @since 0.1.0
 */
import type { TopLevelSpec } from "vega-lite"
import type { GatewayDetail } from "./gatewayOverhead.ts"
import type { BenchmarkResult, QualityResults, RouterResult } from "./qualityResults.ts"
import { resultName } from "./qualityResults.ts"

const BENCHMARK_TITLES: Readonly<Record<string, string>> = {
  "mt-bench": "MT Bench (GPT-4 judge, 1–10)",
  mmlu: "MMLU (accuracy)",
  gsm8k: "GSM8K (accuracy)",
  arena: "arena-bench-v1 (GPT-4 judge, 1–10)"
}

/**
 * Renders a vega-lite spec to an SVG string, offline.
 *
 * @since 0.1.0
 */
export const renderSvg = async (spec: TopLevelSpec): Promise<string> => {
  // Imported when first needed: vega is an ES module with top-level await, which the bundled
  // (CommonJS) command line can only load with import().
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")])
  const compiled = vegaLite.compile(spec).spec
  const view = new vega.View(vega.parse(compiled), { renderer: "none" })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/**
 * The curve data of one benchmark, one row per point: which router, strong-call %, score.
 *
 * @since 0.1.0
 */
export const curveRows = (
  benchmark: Pick<BenchmarkResult, "routers">,
  pick: (router: RouterResult) => boolean = () => true
): ReadonlyArray<{ readonly router: string; readonly strongPercent: number; readonly score: number }> =>
  benchmark.routers.filter(pick).flatMap((router) =>
    router.exact.curve.map((point) => ({
      router: resultName(router),
      strongPercent: point.strongFraction * 100,
      score: point.score
    }))
  )

/**
 * The routing curve of one benchmark: score against % of calls to the strong model, one line per
 * router (exact curves, thinned), the oracle, and both single models as dashed horizontal rules.
 *
 * @since 0.1.0
 */
export const curveSpec = (benchmark: BenchmarkResult): TopLevelSpec => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: {
    text: `${BENCHMARK_TITLES[benchmark.name] ?? benchmark.name}: score vs. strong-model calls`,
    subtitle: `${benchmark.strongModel} vs ${benchmark.weakModel}, ${benchmark.prompts.length} prompts`
  },
  width: 560,
  height: 360,
  background: "white",
  layer: [
    {
      data: { values: [...curveRows(benchmark)] },
      mark: { type: "line", strokeWidth: 1.6 },
      encoding: {
        x: {
          field: "strongPercent",
          type: "quantitative",
          title: "calls to the strong model (%)",
          scale: { domain: [0, 100] }
        },
        y: { field: "score", type: "quantitative", title: "benchmark score", scale: { zero: false } },
        color: {
          field: "router",
          type: "nominal",
          title: "router",
          scale: { scheme: "category20" },
          legend: { labelLimit: 220, symbolType: "stroke" }
        },
        strokeDash: {
          condition: { test: "datum.router === 'oracle' || datum.router === 'random'", value: [4, 3] },
          value: [1, 0]
        }
      }
    },
    {
      data: {
        values: [
          { model: `strong: ${benchmark.strongModel}`, score: benchmark.strongScore },
          { model: `weak: ${benchmark.weakModel}`, score: benchmark.weakScore }
        ]
      },
      mark: { type: "rule", strokeDash: [6, 4], color: "#666" },
      encoding: { y: { field: "score", type: "quantitative" } }
    },
    {
      data: {
        values: [
          { label: "strong model alone", score: benchmark.strongScore },
          { label: "weak model alone", score: benchmark.weakScore }
        ]
      },
      mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#444", fontSize: 10 },
      encoding: { x: { datum: 0 }, y: { field: "score", type: "quantitative" }, text: { field: "label" } }
    }
  ]
})

/**
 * Added latency of each gateway over calling the upstream directly, by offered rate (p50 and p99,
 * non-streaming and streaming).
 *
 * @since 0.1.0
 */
export const gatewaySpec = (details: ReadonlyArray<GatewayDetail>): TopLevelSpec => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: "Gateway overhead on loopback: added latency over calling the upstream directly",
  background: "white",
  data: {
    values: details.flatMap((d) => [
      {
        gateway: d.name,
        rps: d.rps,
        mode: d.stream ? "streaming" : "non-streaming",
        percentile: "p50",
        addedMs: d.addedP50Ms,
        errors: d.errors
      },
      {
        gateway: d.name,
        rps: d.rps,
        mode: d.stream ? "streaming" : "non-streaming",
        percentile: "p99",
        addedMs: d.addedP99Ms,
        errors: d.errors
      }
    ])
  },
  facet: {
    column: { field: "mode", type: "nominal", title: null },
    row: { field: "percentile", type: "nominal", title: null }
  },
  spec: {
    width: 260,
    height: 180,
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "rps", type: "ordinal", title: "offered requests per second" },
      y: {
        field: "addedMs",
        type: "quantitative",
        title: "added latency (ms, log)",
        scale: { type: "symlog" }
      },
      color: { field: "gateway", type: "nominal" }
    }
  }
})

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
const fixed = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : "—")
const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : "—")

/**
 * An HTML table of one benchmark's metrics (both curves).
 *
 * @since 0.1.0
 */
export const metricsTableHtml = (benchmark: BenchmarkResult): string => {
  const rows = benchmark.routers
    .map(
      (router) =>
        `<tr><td>${escapeHtml(resultName(router))}</td><td>${router.protocol}</td><td>${fixed(router.routellm.metrics.apgr)}</td><td>${fixed(router.exact.metrics.apgr)}</td>` +
        `<td>${percent(router.routellm.metrics.cpt20)}</td><td>${percent(router.routellm.metrics.cpt50)}</td><td>${percent(router.routellm.metrics.cpt80)}</td>` +
        `<td>${percent(router.exact.metrics.cpt50)}</td><td>${percent(router.exact.metrics.cpt80)}</td><td>${fixed(router.routellm.metrics.auc)}</td></tr>`
    )
    .join("\n")
  const skipped = benchmark.skipped
    .map(
      (s) =>
        `<li>${escapeHtml(`${s.router}${s.embedder === null ? "" : `/${s.embedder}`}: ${s.reason}`)}</li>`
    )
    .join("")
  return (
    `<table><thead><tr><th>router</th><th>protocol</th><th>APGR (10 bins)</th><th>APGR (exact)</th><th>CPT20</th><th>CPT50</th><th>CPT80</th>` +
    `<th>CPT50 exact</th><th>CPT80 exact</th><th>AUC</th></tr></thead><tbody>${rows}</tbody></table>` +
    `<p>strong ${fixed(benchmark.strongScore)}, weak ${fixed(benchmark.weakScore)}; ${benchmark.prompts.length} prompts, ${benchmark.removedAsContaminated} removed as contaminated.</p>` +
    (skipped === "" ? "" : `<p>Not evaluated:</p><ul>${skipped}</ul>`)
  )
}

/**
 * A self-contained HTML report: per benchmark the plot (inline SVG) and the metrics table, the
 * protocols, and the gateway chart when overhead results are given.
 *
 * @since 0.1.0
 */
export const htmlReport = async (
  quality: QualityResults,
  gateway?: ReadonlyArray<GatewayDetail>
): Promise<string> => {
  const sections: Array<string> = []
  for (const benchmark of quality.benchmarks) {
    const svg = await renderSvg(curveSpec(benchmark))
    sections.push(
      `<section><h2>${escapeHtml(BENCHMARK_TITLES[benchmark.name] ?? benchmark.name)}</h2>${svg}${metricsTableHtml(benchmark)}</section>`
    )
  }
  if (gateway !== undefined && gateway.length > 0) {
    sections.push(`<section><h2>Gateway overhead</h2>${await renderSvg(gatewaySpec(gateway))}</section>`)
  }
  const protocols = Object.entries(quality.protocols)
    .map(([name, note]) => `<li><b>${escapeHtml(name)}</b>: ${escapeHtml(note)}</li>`)
    .join("")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>effect-llm-router benchmarks</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child,td:nth-child(2){text-align:left}h2{margin-top:2em}</style>
</head><body>
<h1>effect-llm-router: routing quality benchmarks</h1>
<p>Generated ${escapeHtml(quality.generatedAt)} by <code>npx llm-router bench quality</code>. Metrics as RouteLLM computes them (10 quantile bins of the win rate, CPT by <code>np.interp</code>) and on the exact curve (every threshold, CPT at the first crossing).</p>
<ul>${protocols}</ul>
${sections.join("\n")}
</body></html>
`
}
