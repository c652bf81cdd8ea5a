import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as UseLiteEmbedder from "../../src/embeddings/UseLiteEmbedder.ts"

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, index) => sum + value * b[index]!, 0)

describe("UseLiteEmbedder", () => {
  it.effect("loads offline from the npm package and embeds by meaning", () =>
    Effect.gen(function* () {
      const model = yield* UseLiteEmbedder.makeModel()
      expect(model.dimension).toBe(512)
      expect(model.vocabulary).toHaveLength(8000)
      const [cat, kitten, tax] = yield* model.embedMany([
        "The cat sat on the mat.",
        "A kitten was sitting on a rug.",
        "How do I file my income tax return?"
      ])
      expect(dot(cat!, cat!)).toBeCloseTo(1, 4)
      expect(dot(cat!, kitten!)).toBeGreaterThan(dot(cat!, tax!) + 0.1)
      const [empty] = yield* model.embedMany([""])
      expect(empty).toHaveLength(512)
      const ids = model.encode("hello world")
      const [fromIds] = yield* model.embedTokenIds([ids])
      const fromText = yield* model.embed("hello world")
      // the raw graph output is normalised by embed(); directions agree
      expect(dot(fromIds!, fromText) / Math.sqrt(dot(fromIds!, fromIds!))).toBeCloseTo(1, 4)
    })
  )
})
