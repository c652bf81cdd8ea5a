/**
 * Plain-text and markdown tables of the benchmark results (terminal output and the README).
 *
 * @since 0.1.0
 */
import type { GatewayDetail } from "./gatewayOverhead.ts"
import type { DecisionRow } from "./decisionOverhead.ts"
import type { QualityResults } from "./qualityResults.ts"
import { resultName } from "./qualityResults.ts"

/**
 * Lays out rows as aligned columns (first column left-aligned, the rest right-aligned).
 *
 * @example
 * textTable(["a", "b"], [["x", "1"]]) // "a  b\n-  -\nx  1"
 *
 * @since 0.1.0
 */
export const textTable = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): string => {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length))
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ")
      .trimEnd()
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n")
}

/**
 * A markdown table; the first `leftColumns` columns are left-aligned, the others right-aligned.
 *
 * @since 0.1.0
 */
export const markdownTable = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  leftColumns = 1
): string =>
  [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, index) => (index < leftColumns ? " --- " : " ---: ")).join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`)
  ].join("\n")

const fixed = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : "—")
const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : "—")

/**
 * The quality results as text: one block per benchmark, one row per router.
 *
 * @since 0.1.0
 */
export const qualityTableText = (results: QualityResults): string =>
  results.benchmarks
    .map((benchmark) => {
      const rows = benchmark.routers.map((router) => [
        resultName(router),
        router.protocol,
        fixed(router.routellm.metrics.apgr),
        fixed(router.exact.metrics.apgr),
        percent(router.routellm.metrics.cpt50),
        percent(router.routellm.metrics.cpt80),
        fixed(router.routellm.metrics.auc)
      ])
      const title = `${benchmark.name}: ${benchmark.prompts.length} prompts, strong ${fixed(benchmark.strongScore)}, weak ${fixed(benchmark.weakScore)}`
      const skipped = benchmark.skipped.map(
        (s) => `  not evaluated: ${s.router}${s.embedder === null ? "" : `-${s.embedder}`} (${s.reason})`
      )
      return [
        title,
        textTable(["router", "protocol", "APGR", "APGR exact", "CPT50", "CPT80", "AUC"], rows),
        ...skipped
      ].join("\n")
    })
    .join("\n\n")

/**
 * Decision cost rows as text.
 *
 * @since 0.1.0
 */
export const decisionTableText = (rows: ReadonlyArray<DecisionRow>): string =>
  textTable(
    ["router / strategy", "embedder", "p50 ms", "p99 ms", "decisions/s"],
    rows.map((row) => [
      row.router,
      row.embedder,
      fixed(row.p50Ms),
      fixed(row.p99Ms),
      Math.round(row.perSecond).toString()
    ])
  )

/**
 * Gateway overhead rows as text (added latency and the raw latencies behind it).
 *
 * @since 0.1.0
 */
export const gatewayTableText = (details: ReadonlyArray<GatewayDetail>): string =>
  textTable(
    [
      "gateway",
      "mode",
      "rps",
      "added p50",
      "added p99",
      "p50",
      "direct p50",
      "p99",
      "direct p99",
      "achieved rps",
      "errors",
      "sustained"
    ],
    details.map((d) => [
      d.name,
      d.stream ? "stream" : "json",
      String(d.rps),
      fixed(d.addedP50Ms, 2),
      fixed(d.addedP99Ms, 2),
      fixed(d.p50Ms, 2),
      fixed(d.directP50Ms, 2),
      fixed(d.p99Ms, 2),
      fixed(d.directP99Ms, 2),
      fixed(d.achievedRps, 0),
      String(d.errors),
      d.sustained ? "yes" : "no"
    ])
  )
