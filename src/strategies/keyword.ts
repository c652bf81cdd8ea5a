/**
 * `keyword`: a classifier scoring each named route by weighted keyword and regex rules over the
 * routing text. Two modes:
 * - **route mode** (default): the route with the highest score wins if it reaches `minScore`,
 *   else `default`;
 * - **tier mode** (`tiers`): like LiteLLM's `complexity_router`, every matched rule adds to one
 *   complexity score (plus points for prompt length), and bands of that score pick a tier such as
 *   simple / medium / complex.
 *
 * Built-in rule sets cover code, math, reasoning, translation and creative writing; their routes are
 * named after the set (`code`, `math`, ...). The summary says which rules matched.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Format from "./Format.ts"
import type { BuiltinRuleSet, KeywordRule } from "./keywordRules.ts"
import { builtinRuleSets, builtinRules } from "./keywordRules.ts"
import type { Classifier } from "./Strategy.ts"

/**
 * Tier mode: complexity = the sum of every matched rule's points (all routes) plus
 * `pointsPer1000Tokens` per thousand prompt tokens; the first band whose `upTo` is at least the
 * complexity names the tier, else `otherwise` (default: the classifier's `default`).
 *
 * @since 0.1.0
 */
export interface KeywordTiers {
  readonly bands: ReadonlyArray<{ readonly upTo: number; readonly route: string }>
  readonly otherwise?: string
  /** Default 1 (a 2,000-token prompt adds 2 points). */
  readonly pointsPer1000Tokens?: number
}

/**
 * Settings of the keyword classifier.
 *
 * @since 0.1.0
 */
export interface KeywordOptions {
  readonly rules?: ReadonlyArray<KeywordRule>
  /** Add built-in rule sets: `true` for all, or a list. Default: all when `rules` is not given. */
  readonly useBuiltins?: boolean | ReadonlyArray<BuiltinRuleSet>
  /** Least score for a route to win in route mode. Default 1. */
  readonly minScore?: number
  /** The route when no route reaches `minScore` (route mode) or above every tier (tier mode). */
  readonly default: string
  readonly tiers?: KeywordTiers
}

interface Matcher {
  readonly route: string
  readonly label: string
  readonly weight: number
  readonly regex: RegExp
}

const wordChar = /[\p{L}\p{N}_]/u

const keywordRegex = (keyword: string): RegExp => {
  const escaped = keyword
    .trim()
    .split(/\s+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("\\s+")
  const before = wordChar.test(keyword.trim().charAt(0)) ? "(?<![\\p{L}\\p{N}_])" : ""
  const after = wordChar.test(keyword.trim().slice(-1)) ? "(?![\\p{L}\\p{N}_])" : ""
  return new RegExp(`${before}${escaped}${after}`, "iu")
}

const patternRegex = (pattern: RegExp | string): RegExp =>
  typeof pattern === "string"
    ? new RegExp(pattern, "iu")
    : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""))

const compile = (rules: ReadonlyArray<KeywordRule>): ReadonlyArray<Matcher> =>
  rules.flatMap((rule) => {
    const weight = rule.weight ?? 1
    return [
      ...(rule.keywords ?? []).map((keyword) => ({
        route: rule.route,
        label: JSON.stringify(keyword),
        weight,
        regex: keywordRegex(keyword)
      })),
      ...(rule.patterns ?? []).map((pattern) => {
        const regex = patternRegex(pattern)
        const source = regex.source.length > 30 ? `${regex.source.slice(0, 29)}…` : regex.source
        return { route: rule.route, label: rule.name ?? `/${source}/`, weight, regex }
      })
    ]
  })

/**
 * The rules a keyword classifier uses: the chosen built-in sets, then the user's rules.
 *
 * @since 0.1.0
 */
export const resolveRules = (
  options: Pick<KeywordOptions, "rules" | "useBuiltins">
): ReadonlyArray<KeywordRule> => {
  const builtins = options.useBuiltins ?? options.rules === undefined
  const sets = builtins === true ? builtinRuleSets : builtins === false ? [] : builtins
  return [...sets.flatMap((set) => builtinRules[set]), ...(options.rules ?? [])]
}

/**
 * Routes by weighted keyword and regex rules; in tier mode, by a complexity score.
 *
 * @example
 * import { Route, Strategies } from "effect-llm-router"
 *
 * // Route mode: "code" / "math" / ... from the built-in rules, plus a user rule.
 * const topic = Strategies.keyword({
 *   useBuiltins: ["code", "math"],
 *   rules: [{ route: "legal", keywords: ["contract", "liability", "clause"], weight: 2 }],
 *   default: "general"
 * })
 * // Tier mode, like LiteLLM's complexity_router.
 * const complexity = Strategies.keyword({
 *   default: "complex",
 *   tiers: { bands: [{ upTo: 1, route: "simple" }, { upTo: 4, route: "medium" }] }
 * })
 * const route = Route.branch(complexity, { simple: mini, medium: gpt4o, complex: o3 })
 *
 * @since 0.1.0
 */
export const keyword = (options: KeywordOptions): Classifier => {
  const rules = resolveRules(options)
  const matchers = compile(rules)
  const minScore = options.minScore ?? 1
  const tiers = options.tiers
  const bands = tiers === undefined ? [] : [...tiers.bands].sort((a, b) => a.upTo - b.upTo)
  const aboveTiers = tiers?.otherwise ?? options.default
  const routes = [...new Set(rules.filter((rule) => (rule.weight ?? 1) > 0).map((rule) => rule.route))]
  const choices =
    tiers === undefined
      ? [...new Set([...routes, options.default])]
      : [...new Set([...bands.map((band) => band.route), aboveTiers])]
  return {
    name: tiers === undefined ? "keyword" : "keywordTiers",
    choices,
    classify: (context) =>
      Effect.sync(() => {
        const matched = matchers.filter((matcher) => matcher.regex.test(context.text))
        const scores: Record<string, number> = {}
        const labels = new Map<string, Array<string>>()
        for (const matcher of matched) {
          scores[matcher.route] = (scores[matcher.route] ?? 0) + matcher.weight
          labels.set(matcher.route, [...(labels.get(matcher.route) ?? []), matcher.label])
        }
        const ranked = [...labels.keys()].sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0))
        const explained = ranked.map(
          (route) => `${route} ${Format.score(scores[route] ?? 0)} (${labels.get(route)?.join(", ")})`
        )
        if (tiers === undefined) {
          const best = ranked[0]
          const bestScore = best === undefined ? 0 : (scores[best] ?? 0)
          if (best !== undefined && bestScore >= minScore) {
            return { choice: best, summary: `keyword: ${explained.join(", ")} → ${best}`, scores }
          }
          return {
            choice: options.default,
            summary:
              best === undefined
                ? `keyword: no rule matched → ${options.default} (default)`
                : `keyword: ${explained.join(", ")}; best ${Format.score(bestScore)} < minScore ${Format.score(minScore)} → ${options.default} (default)`,
            scores
          }
        }
        const tokens = context.promptTokens()
        const tokenPoints = ((tiers.pointsPer1000Tokens ?? 1) * tokens) / 1000
        const complexity = matched.reduce((total, matcher) => total + matcher.weight, 0) + tokenPoints
        const band = bands.find((candidate) => complexity <= candidate.upTo)
        const choice = band?.route ?? aboveTiers
        const parts = [...explained, `${Format.score(tokenPoints)} for ${Format.count(tokens)} prompt tokens`]
        return {
          choice,
          summary:
            `keyword tiers: complexity ${Format.score(complexity)} = ${parts.join(" + ")}; ` +
            (band === undefined
              ? `> ${Format.score(bands[bands.length - 1]?.upTo ?? 0)} → ${choice}`
              : `≤ ${Format.score(band.upTo)} → ${choice}`),
          scores: { ...scores, complexity }
        }
      })
  }
}
