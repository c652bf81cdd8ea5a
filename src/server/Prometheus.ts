/**
 * Renders Effect's metric registry in the Prometheus text exposition format (version 0.0.4), so
 * metrics are recorded with the ordinary `Metric` API and `GET /metrics` is only a view of them.
 *
 * @since 0.1.0
 */
import type { MetricPair } from "effect"
import { Effect, Metric, MetricState, Option } from "effect"

/** @since 0.1.0 */
export const contentType = "text/plain; version=0.0.4; charset=utf-8"

const metricName = (name: string) => name.replace(/[^a-zA-Z0-9_:]/g, "_").replace(/^([0-9])/, "_$1")
const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')
const escapeHelp = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const labels = (pairs: ReadonlyArray<readonly [string, string]>): string =>
  pairs.length === 0
    ? ""
    : `{${pairs.map(([key, value]) => `${metricName(key)}="${escapeLabel(value)}"`).join(",")}}`

const number = (value: number | bigint): string => {
  if (typeof value === "bigint") return value.toString()
  if (value === Infinity) return "+Inf"
  if (value === -Infinity) return "-Inf"
  return Number.isNaN(value) ? "NaN" : String(value)
}

interface Family {
  type: "counter" | "gauge" | "histogram" | "summary"
  help: string
  lines: Array<string>
}

const samples = (pair: MetricPair.MetricPair.Untyped): { type: Family["type"]; lines: Array<string> } => {
  const name = metricName(pair.metricKey.name)
  const tags = pair.metricKey.tags.map((label) => [label.key, label.value] as const)
  const state = pair.metricState
  if (MetricState.isCounterState(state))
    return { type: "counter", lines: [`${name}${labels(tags)} ${number(state.count)}`] }
  if (MetricState.isGaugeState(state))
    return { type: "gauge", lines: [`${name}${labels(tags)} ${number(state.value)}`] }
  if (MetricState.isHistogramState(state)) {
    const buckets = state.buckets.map(
      ([bound, count]) => `${name}_bucket${labels([...tags, ["le", number(bound)]])} ${number(count)}`
    )
    if (!state.buckets.some(([bound]) => bound === Infinity)) {
      buckets.push(`${name}_bucket${labels([...tags, ["le", "+Inf"]])} ${number(state.count)}`)
    }
    return {
      type: "histogram",
      lines: [
        ...buckets,
        `${name}_sum${labels(tags)} ${number(state.sum)}`,
        `${name}_count${labels(tags)} ${number(state.count)}`
      ]
    }
  }
  if (MetricState.isFrequencyState(state)) {
    return {
      type: "counter",
      lines: [...state.occurrences].map(
        ([key, count]) => `${name}${labels([...tags, ["key", key]])} ${number(count)}`
      )
    }
  }
  if (MetricState.isSummaryState(state)) {
    const quantiles = state.quantiles.flatMap(([q, value]) =>
      Option.isSome(value)
        ? [`${name}${labels([...tags, ["quantile", String(q)]])} ${number(value.value)}`]
        : []
    )
    return {
      type: "summary",
      lines: [
        ...quantiles,
        `${name}_sum${labels(tags)} ${number(state.sum)}`,
        `${name}_count${labels(tags)} ${number(state.count)}`
      ]
    }
  }
  return { type: "gauge", lines: [] }
}

/**
 * Renders metric pairs; series of one name are grouped under one `# HELP` / `# TYPE` header.
 * @since 0.1.0
 */
export const render = (
  pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>,
  extra: ReadonlyArray<{
    readonly name: string
    readonly help: string
    readonly type: "gauge"
    readonly lines: ReadonlyArray<string>
  }> = []
): string => {
  const families = new Map<string, Family>()
  for (const pair of pairs) {
    const name = metricName(pair.metricKey.name)
    const { lines, type } = samples(pair)
    const family = families.get(name) ?? {
      type,
      help: Option.getOrElse(pair.metricKey.description, () => name),
      lines: []
    }
    family.lines.push(...lines)
    families.set(name, family)
  }
  for (const family of extra)
    families.set(family.name, { type: family.type, help: family.help, lines: [...family.lines] })
  const out: Array<string> = []
  for (const [name, family] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
    if (family.lines.length === 0) continue
    out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`, ...family.lines)
  }
  return out.join("\n") + "\n"
}

/**
 * A sample line for a derived series (used for ratios computed at scrape time).
 * @since 0.1.0
 */
export const sample = (name: string, tags: ReadonlyArray<readonly [string, string]>, value: number): string =>
  `${metricName(name)}${labels(tags)} ${number(value)}`

/**
 * The whole registry, rendered.
 * @since 0.1.0
 */
export const snapshot: Effect.Effect<ReadonlyArray<MetricPair.MetricPair.Untyped>> = Metric.snapshot
/** @since 0.1.0 */
export const renderRegistry: Effect.Effect<string> = Effect.map(Metric.snapshot, (pairs) => render(pairs))
