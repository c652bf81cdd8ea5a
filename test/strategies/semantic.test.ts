import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import type { EmbedderShape } from "../../src/embeddings/Embedder.ts"
import { Embedder, EmbeddingError } from "../../src/embeddings/Embedder.ts"
import * as HashingEmbedder from "../../src/embeddings/HashingEmbedder.ts"
import { cosine, semantic, semanticFromService } from "../../src/strategies/semantic.ts"
import { context } from "./fixtures.ts"

const routes = {
  code: [
    "write a python function to parse json",
    "fix this javascript stack trace",
    "refactor my typescript class"
  ],
  cooking: ["recipe for a chocolate cake", "how long to boil an egg", "what spices go with roast chicken"]
}

/** Counts how many texts an embedder is asked to embed. */
const counting = (inner: EmbedderShape) => {
  const calls = { texts: 0 }
  const embedder: EmbedderShape = {
    ...inner,
    embed: (text) => Effect.suspend(() => ((calls.texts += 1), inner.embed(text))),
    embedMany: (texts) => Effect.suspend(() => ((calls.texts += texts.length), inner.embedMany(texts)))
  }
  return { embedder, calls }
}

describe("semantic", () => {
  it.effect("routes to the route with the nearest utterance and names it", () =>
    Effect.gen(function* () {
      const classifier = yield* semantic({ routes, threshold: 0.2, default: "chat" }, HashingEmbedder.make())
      const code = yield* classifier.classify(context("please write a python function that parses json"))
      expect(code.choice).toBe("code")
      expect(code.summary).toContain("code ")
      expect(code.summary).toContain('("write a python function to parse json")')
      expect(code.summary).toMatch(/→ code$/)
      expect((yield* classifier.classify(context("a recipe for chocolate cake please"))).choice).toBe(
        "cooking"
      )
    })
  )

  it.effect("takes the default below the threshold", () =>
    Effect.gen(function* () {
      const classifier = yield* semantic({ routes, threshold: 0.5, default: "chat" }, HashingEmbedder.make())
      const result = yield* classifier.classify(context("quantum entanglement in plain words"))
      expect(result.choice).toBe("chat")
      expect(result.summary).toContain("below threshold 0.5 → chat (default)")
      expect([...classifier.choices].sort()).toEqual(["chat", "code", "cooking"])
    })
  )

  it.effect("embeds the utterances once, at construction", () =>
    Effect.gen(function* () {
      const { calls, embedder } = counting(HashingEmbedder.make())
      const classifier = yield* semantic({ routes, threshold: 0.2, default: "chat" }, embedder)
      expect(calls.texts).toBe(6)
      yield* classifier.classify(context("boil an egg"))
      yield* classifier.classify(context("fix my stack trace"))
      expect(calls.texts).toBe(8)
    })
  )

  it.effect("uses the Embedder service with semanticFromService", () =>
    Effect.gen(function* () {
      const classifier = yield* semanticFromService({ routes, threshold: 0.2, default: "chat" })
      expect((yield* classifier.classify(context("how long should I boil an egg"))).choice).toBe("cooking")
    }).pipe(Effect.provideService(Embedder, HashingEmbedder.make()))
  )

  it.effect("refuses a route without utterances", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        semantic(
          { routes: { ...routes, empty: [] }, threshold: 0.2, default: "chat" },
          HashingEmbedder.make()
        )
      )
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(
        semantic({ routes: { empty: [] }, threshold: 0.2, default: "chat" }, HashingEmbedder.make())
      )
      expect(error._tag).toBe("ConfigError")
      expect(error._tag === "ConfigError" ? error.path : "").toBe("routes.empty")
    })
  )

  it.effect("turns an embedding failure while classifying into a RouterError", () =>
    Effect.gen(function* () {
      const inner = HashingEmbedder.make()
      const failing: EmbedderShape = {
        ...inner,
        embed: () => Effect.fail(new EmbeddingError({ reason: "Unavailable", message: "model offline" }))
      }
      const classifier = yield* semantic({ routes, threshold: 0.2, default: "chat" }, failing)
      const error = yield* Effect.flip(classifier.classify(context("anything")))
      expect(error._tag).toBe("RouterError")
      expect(error.reason).toBe("EmbeddingFailed")
      expect(error.message).toContain("model offline")
    })
  )

  it("computes cosine similarity of unnormalised vectors", () => {
    expect(cosine(new Float32Array([3, 0]), new Float32Array([5, 0]))).toBeCloseTo(1)
    expect(cosine(new Float32Array([1, 0]), new Float32Array([0, 2]))).toBeCloseTo(0)
    expect(cosine(new Float32Array([1, 1]), new Float32Array([-1, -1]))).toBeCloseTo(-1)
    expect(cosine(new Float32Array([0, 0]), new Float32Array([1, 1]))).toBe(0)
  })
})
