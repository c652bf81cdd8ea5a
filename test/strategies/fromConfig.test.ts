import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, ParseResult, Schema } from "effect"
import { EmbeddingError } from "../../src/embeddings/Embedder.ts"
import * as HashingEmbedder from "../../src/embeddings/HashingEmbedder.ts"
import * as State from "../../src/state/index.ts"
import {
  ClassifierSpec,
  StrategySpec,
  classifierFromSpec,
  strategyFromSpec
} from "../../src/strategies/fromConfig.ts"
import { candidates, context, deployment, ids, words } from "./fixtures.ts"

const decodeStrategy = Schema.decodeUnknownEither(StrategySpec)
const decodeClassifier = Schema.decodeUnknownEither(ClassifierSpec)

/** The decoding error as the config loader would print it. */
const errorOf = <A>(result: Either.Either<A, ParseResult.ParseError>): string =>
  Either.match(result, {
    onLeft: (error) => ParseResult.TreeFormatter.formatErrorSync(error),
    onRight: () => "(decoded)"
  })

describe("StrategySpec", () => {
  it("decodes every strategy type into a strategy with the matching name", () => {
    const specs: Array<[unknown, string]> = [
      [{ type: "contextWindow" }, "contextWindow"],
      [{ type: "contextWindow", reserveOutputTokens: 512 }, "contextWindow"],
      [{ type: "latency", bufferFraction: 0.2, measure: "timeToFirstToken" }, "latency"],
      [{ type: "cost" }, "cost"],
      [{ type: "usage" }, "usage"],
      [{ type: "leastBusy" }, "leastBusy"],
      [{ type: "weighted", by: "rpm" }, "weighted"],
      [{ type: "tags", required: ["eu"], region: "eu-west-1" }, "tags"],
      [
        { type: "budget", limits: [{ scope: "provider", name: "openai", maxUsd: 10, window: "1 day" }] },
        "budget"
      ],
      [{ type: "capabilities" }, "capabilities"]
    ]
    for (const [input, name] of specs) {
      const spec = decodeStrategy(input)
      expect(Either.isRight(spec), `${JSON.stringify(input)}: ${errorOf(spec)}`).toBe(true)
      if (Either.isRight(spec)) expect(strategyFromSpec(spec.right).name).toBe(name)
    }
  })

  it("names the bad field and what was expected", () => {
    const negative = errorOf(
      decodeStrategy({ type: "budget", limits: [{ scope: "deployment", maxUsd: -5, window: "1 day" }] })
    )
    expect(negative).toContain("maxUsd")
    expect(negative).toMatch(/non-negative|>= 0/)
    const window = errorOf(
      decodeStrategy({ type: "budget", limits: [{ scope: "deployment", maxUsd: 5, window: "2 days" }] })
    )
    expect(window).toContain("window")
    expect(window).toContain('"1 day"')
    expect(errorOf(decodeStrategy({ type: "latency", bufferFraction: -0.1 }))).toContain("bufferFraction")
    expect(errorOf(decodeStrategy({ type: "contextWindow", reserveOutputTokens: 1.5 }))).toContain(
      "reserveOutputTokens"
    )
    expect(errorOf(decodeStrategy({ type: "budget", limits: [] }))).toContain("limits")
    expect(errorOf(decodeStrategy({ type: "fastest" }))).toContain('"contextWindow"')
  })

  it.effect("builds strategies that behave as configured", () =>
    Effect.gen(function* () {
      const spec = Schema.decodeUnknownSync(StrategySpec)({ type: "tags", required: ["gdpr"] })
      const outcome = yield* strategyFromSpec(spec).apply(
        candidates(deployment("a", { tags: ["gdpr"] }), deployment("b")),
        context("hi")
      )
      expect(ids(outcome)).toEqual(["a"])
    }).pipe(Effect.provide(State.layerMemory))
  )
})

describe("ClassifierSpec", () => {
  it.effect("builds a token-count classifier", () =>
    Effect.gen(function* () {
      const spec = Schema.decodeUnknownSync(ClassifierSpec)({
        type: "tokenCount",
        bands: [{ upTo: 500, route: "small" }],
        otherwise: "large"
      })
      const classifier = yield* classifierFromSpec(spec)
      expect((yield* classifier.classify(context("hi"))).choice).toBe("small")
      expect((yield* classifier.classify(context(words(600)))).choice).toBe("large")
    })
  )

  it.effect("builds a keyword classifier with user regex rules and tiers", () =>
    Effect.gen(function* () {
      const routes = yield* classifierFromSpec(
        Schema.decodeUnknownSync(ClassifierSpec)({
          type: "keyword",
          rules: [{ route: "sql", patterns: ["select .+ from"], weight: 2 }],
          default: "general"
        })
      )
      expect((yield* routes.classify(context("SELECT name FROM users"))).choice).toBe("sql")
      const tiers = yield* classifierFromSpec(
        Schema.decodeUnknownSync(ClassifierSpec)({
          type: "keyword",
          useBuiltins: true,
          default: "complex",
          tiers: { bands: [{ upTo: 1, route: "simple" }] }
        })
      )
      expect((yield* tiers.classify(context("good morning"))).choice).toBe("simple")
      expect([...tiers.choices].sort()).toEqual(["complex", "simple"])
    })
  )

  it.effect("builds a semantic classifier with the hashing embedder by default, or a given one", () =>
    Effect.gen(function* () {
      const spec = Schema.decodeUnknownSync(ClassifierSpec)({
        type: "semantic",
        routes: { cooking: ["recipe for chocolate cake"], code: ["write a python function"] },
        threshold: 0.2,
        default: "chat"
      })
      const byDefault = yield* classifierFromSpec(spec)
      const result = yield* byDefault.classify(context("chocolate cake recipe please"))
      expect(result.choice).toBe("cooking")
      expect(result.summary).toContain("hashing-512")
      const given = yield* classifierFromSpec(spec, HashingEmbedder.make({ dimension: 64 }))
      expect((yield* given.classify(context("chocolate cake recipe please"))).summary).toContain("hashing-64")
    })
  )

  it.effect("reports an embedder that cannot embed the utterances as a ConfigError", () =>
    Effect.gen(function* () {
      const spec = Schema.decodeUnknownSync(ClassifierSpec)({
        type: "semantic",
        routes: { code: ["write a python function"] },
        threshold: 0.2,
        default: "chat"
      })
      const broken = {
        ...HashingEmbedder.make(),
        name: "broken",
        embedMany: () => Effect.fail(new EmbeddingError({ reason: "LoadFailed", message: "weights missing" }))
      }
      const error = yield* Effect.flip(classifierFromSpec(spec, broken))
      expect(error._tag).toBe("ConfigError")
      expect(error.path).toBe("routes")
      expect(error.message).toBe("Semantic routes could not be embedded with broken: weights missing")
    })
  )

  it("rejects bad classifier specs, naming the field", () => {
    expect(
      errorOf(
        decodeClassifier({ type: "keyword", rules: [{ route: "x", patterns: ["(unclosed"] }], default: "d" })
      )
    ).toContain("patterns")
    expect(
      errorOf(decodeClassifier({ type: "semantic", routes: { code: [] }, threshold: 0.5, default: "d" }))
    ).toContain("code")
    expect(errorOf(decodeClassifier({ type: "semantic", routes: {}, threshold: 2, default: "d" }))).toContain(
      "threshold"
    )
    expect(
      errorOf(decodeClassifier({ type: "tokenCount", bands: [{ upTo: -1, route: "x" }], otherwise: "y" }))
    ).toContain("upTo")
    expect(errorOf(decodeClassifier({ type: "keyword", useBuiltins: ["cooking"], default: "d" }))).toContain(
      "useBuiltins"
    )
  })
})
