/**
 * Strategies and classifiers as config: Schema specs a config file decodes into, and the functions
 * turning a decoded spec into the strategy or classifier value.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import * as HashingEmbedder from "../embeddings/HashingEmbedder.ts"
import type { RouterState } from "../state/index.ts"
import { budget, budgetWindows } from "./budget.ts"
import type { BudgetWindow } from "./budget.ts"
import { capabilities } from "./capabilities.ts"
import { contextWindow } from "./contextWindow.ts"
import { costBased } from "./costBased.ts"
import { keyword } from "./keyword.ts"
import { builtinRuleSets } from "./keywordRules.ts"
import type { BuiltinRuleSet } from "./keywordRules.ts"
import { latencyBased } from "./latencyBased.ts"
import { leastBusy } from "./leastBusy.ts"
import { semantic } from "./semantic.ts"
import type { Classifier, Strategy } from "./Strategy.ts"
import { tags } from "./tags.ts"
import { tokenCount } from "./tokenCount.ts"
import { usageBased } from "./usageBased.ts"
import { weightedShuffle } from "./weightedShuffle.ts"

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })
const Name = Schema.NonEmptyTrimmedString.annotations({ identifier: "Name" })
const NonNegative = Schema.Number.pipe(Schema.nonNegative(), Schema.finite()).annotations({
  identifier: "NonNegativeNumber"
})
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative()).annotations({ identifier: "NonNegativeInt" })
const FiniteNumber = Schema.Number.pipe(Schema.finite()).annotations({ identifier: "FiniteNumber" })

const RegexSource = Schema.String.pipe(
  Schema.filter(
    (source) => {
      try {
        new RegExp(source, "iu")
        return true
      } catch (error) {
        return `a valid regular expression (${error instanceof Error ? error.message : String(error)})`
      }
    },
    { identifier: "RegexSource", description: "a regular expression source, compiled with the iu flags" }
  )
)

/** @since 0.1.0 */
export const ContextWindowSpec = Schema.Struct({
  type: Schema.Literal("contextWindow"),
  reserveOutputTokens: optional(NonNegativeInt)
}).annotations({ identifier: "ContextWindowSpec" })

/** @since 0.1.0 */
export const LatencySpec = Schema.Struct({
  type: Schema.Literal("latency"),
  bufferFraction: optional(NonNegative),
  minSamples: optional(NonNegativeInt),
  measure: optional(Schema.Literal("auto", "perOutputToken", "timeToFirstToken"))
}).annotations({ identifier: "LatencySpec" })

/** @since 0.1.0 */
export const CostSpec = Schema.Struct({ type: Schema.Literal("cost") }).annotations({
  identifier: "CostSpec"
})

/** @since 0.1.0 */
export const UsageSpec = Schema.Struct({ type: Schema.Literal("usage") }).annotations({
  identifier: "UsageSpec"
})

/** @since 0.1.0 */
export const LeastBusySpec = Schema.Struct({ type: Schema.Literal("leastBusy") }).annotations({
  identifier: "LeastBusySpec"
})

/** @since 0.1.0 */
export const WeightedSpec = Schema.Struct({
  type: Schema.Literal("weighted"),
  by: optional(Schema.Literal("weight", "rpm", "tpm", "auto"))
}).annotations({ identifier: "WeightedSpec" })

/** @since 0.1.0 */
export const TagsSpec = Schema.Struct({
  type: Schema.Literal("tags"),
  required: optional(Schema.Array(Name)),
  region: optional(Schema.Union(Name, Schema.NonEmptyArray(Name)))
}).annotations({ identifier: "TagsSpec" })

/** @since 0.1.0 */
export const BudgetLimitSpec = Schema.Struct({
  scope: Schema.Literal("deployment", "provider"),
  name: optional(Name),
  maxUsd: NonNegative,
  window: Schema.Literal(...(Object.keys(budgetWindows) as Array<BudgetWindow>))
}).annotations({ identifier: "BudgetLimitSpec" })

/** @since 0.1.0 */
export const BudgetSpec = Schema.Struct({
  type: Schema.Literal("budget"),
  limits: Schema.NonEmptyArray(BudgetLimitSpec)
}).annotations({ identifier: "BudgetSpec" })

/** @since 0.1.0 */
export const CapabilitiesSpec = Schema.Struct({ type: Schema.Literal("capabilities") }).annotations({
  identifier: "CapabilitiesSpec"
})

/**
 * A strategy in a config file, told apart by `type`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Strategies } from "effect-llm-router"
 *
 * const spec = Schema.decodeUnknownSync(Strategies.StrategySpec)({ type: "latency", bufferFraction: 0.2 })
 * const strategy = Strategies.strategyFromSpec(spec)
 *
 * @since 0.1.0
 */
export const StrategySpec = Schema.Union(
  ContextWindowSpec,
  LatencySpec,
  CostSpec,
  UsageSpec,
  LeastBusySpec,
  WeightedSpec,
  TagsSpec,
  BudgetSpec,
  CapabilitiesSpec
).annotations({ identifier: "StrategySpec" })
/** @since 0.1.0 */
export type StrategySpec = typeof StrategySpec.Type

/**
 * The strategy a decoded spec describes. Every strategy's requirements are among `RouterState`.
 *
 * @since 0.1.0
 */
export const strategyFromSpec = (spec: StrategySpec): Strategy<RouterState> => {
  switch (spec.type) {
    case "contextWindow":
      return contextWindow(
        spec.reserveOutputTokens === undefined ? {} : { reserveOutputTokens: spec.reserveOutputTokens }
      )
    case "latency":
      return latencyBased({
        ...(spec.bufferFraction === undefined ? {} : { bufferFraction: spec.bufferFraction }),
        ...(spec.minSamples === undefined ? {} : { minSamples: spec.minSamples }),
        ...(spec.measure === undefined ? {} : { measure: spec.measure })
      })
    case "cost":
      return costBased()
    case "usage":
      return usageBased()
    case "leastBusy":
      return leastBusy()
    case "weighted":
      return weightedShuffle(spec.by === undefined ? {} : { by: spec.by })
    case "tags":
      return tags({
        ...(spec.required === undefined ? {} : { required: spec.required }),
        ...(spec.region === undefined ? {} : { region: spec.region })
      })
    case "budget":
      return budget(
        spec.limits.map((limit) => ({
          scope: limit.scope,
          maxUsd: limit.maxUsd,
          window: limit.window,
          ...(limit.name === undefined ? {} : { name: limit.name })
        }))
      )
    case "capabilities":
      return capabilities()
  }
}

/** @since 0.1.0 */
export const TokenCountSpec = Schema.Struct({
  type: Schema.Literal("tokenCount"),
  bands: Schema.Array(Schema.Struct({ upTo: NonNegativeInt, route: Name })),
  otherwise: Name,
  encoding: optional(Schema.Literal("o200k_base", "cl100k_base")),
  model: optional(Name),
  measure: optional(Schema.Literal("prompt", "text"))
}).annotations({ identifier: "TokenCountSpec" })

/** @since 0.1.0 */
export const KeywordRuleSpec = Schema.Struct({
  route: Name,
  keywords: optional(Schema.Array(Name)),
  patterns: optional(Schema.Array(RegexSource)),
  weight: optional(FiniteNumber),
  name: optional(Name)
}).annotations({ identifier: "KeywordRuleSpec" })

/** @since 0.1.0 */
export const KeywordSpec = Schema.Struct({
  type: Schema.Literal("keyword"),
  rules: optional(Schema.Array(KeywordRuleSpec)),
  useBuiltins: optional(
    Schema.Union(Schema.Boolean, Schema.Array(Schema.Literal(...(builtinRuleSets as Array<BuiltinRuleSet>))))
  ),
  minScore: optional(FiniteNumber),
  default: Name,
  tiers: optional(
    Schema.Struct({
      bands: Schema.NonEmptyArray(Schema.Struct({ upTo: FiniteNumber, route: Name })),
      otherwise: optional(Name),
      pointsPer1000Tokens: optional(NonNegative)
    })
  )
}).annotations({ identifier: "KeywordSpec" })

/** @since 0.1.0 */
export const SemanticSpec = Schema.Struct({
  type: Schema.Literal("semantic"),
  routes: Schema.Record({ key: Name, value: Schema.NonEmptyArray(Schema.String) }),
  threshold: Schema.Number.pipe(Schema.between(-1, 1)),
  default: Name,
  embedder: optional(Schema.Literal("hashing"))
}).annotations({ identifier: "SemanticSpec" })

/**
 * A classifier (for a `branch` node) in a config file, told apart by `type`.
 *
 * @since 0.1.0
 */
export const ClassifierSpec = Schema.Union(TokenCountSpec, KeywordSpec, SemanticSpec).annotations({
  identifier: "ClassifierSpec"
})
/** @since 0.1.0 */
export type ClassifierSpec = typeof ClassifierSpec.Type

/**
 * The classifier a decoded spec describes. A semantic classifier embeds its utterances now, with
 * `embedder` when given, else the built-in hashing embedder; failures become `ConfigError`s.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { Strategies } from "effect-llm-router"
 *
 * const spec = Schema.decodeUnknownSync(Strategies.ClassifierSpec)({
 *   type: "tokenCount",
 *   bands: [{ upTo: 500, route: "small" }],
 *   otherwise: "large"
 * })
 * const classifier = Effect.runSync(Strategies.classifierFromSpec(spec))
 *
 * @since 0.1.0
 */
export const classifierFromSpec = (
  spec: ClassifierSpec,
  embedder?: EmbedderShape
): Effect.Effect<Classifier, ConfigError> => {
  switch (spec.type) {
    case "tokenCount":
      return Effect.succeed(
        tokenCount({
          bands: spec.bands,
          otherwise: spec.otherwise,
          ...(spec.encoding === undefined ? {} : { encoding: spec.encoding }),
          ...(spec.model === undefined ? {} : { model: spec.model }),
          ...(spec.measure === undefined ? {} : { measure: spec.measure })
        })
      )
    case "keyword":
      return Effect.try({
        try: () =>
          keyword({
            default: spec.default,
            ...(spec.rules === undefined
              ? {}
              : {
                  rules: spec.rules.map((rule) => ({
                    route: rule.route,
                    ...(rule.keywords === undefined ? {} : { keywords: rule.keywords }),
                    ...(rule.patterns === undefined ? {} : { patterns: rule.patterns }),
                    ...(rule.weight === undefined ? {} : { weight: rule.weight }),
                    ...(rule.name === undefined ? {} : { name: rule.name })
                  }))
                }),
            ...(spec.useBuiltins === undefined ? {} : { useBuiltins: spec.useBuiltins }),
            ...(spec.minScore === undefined ? {} : { minScore: spec.minScore }),
            ...(spec.tiers === undefined
              ? {}
              : {
                  tiers: {
                    bands: spec.tiers.bands,
                    ...(spec.tiers.otherwise === undefined ? {} : { otherwise: spec.tiers.otherwise }),
                    ...(spec.tiers.pointsPer1000Tokens === undefined
                      ? {}
                      : { pointsPer1000Tokens: spec.tiers.pointsPer1000Tokens })
                  }
                })
          }),
        catch: (cause) =>
          new ConfigError({
            path: "rules",
            message: `Keyword rules could not be compiled: ${cause instanceof Error ? cause.message : String(cause)}`,
            cause
          })
      })
    case "semantic":
      return Effect.gen(function* () {
        const chosen =
          embedder ??
          (yield* Effect.mapError(
            HashingEmbedder.makeEffect(),
            (cause) => new ConfigError({ path: "embedder", message: cause.message, cause })
          ))
        return yield* Effect.mapError(
          semantic({ routes: spec.routes, threshold: spec.threshold, default: spec.default }, chosen),
          (error) =>
            error._tag === "ConfigError"
              ? error
              : new ConfigError({
                  path: "routes",
                  message: `Semantic routes could not be embedded with ${chosen.name}: ${error.message}`,
                  cause: error
                })
        )
      })
  }
}
