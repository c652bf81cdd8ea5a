import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Embedder } from "../../src/embeddings/Embedder.ts"
import * as HashingEmbedder from "../../src/embeddings/HashingEmbedder.ts"

const dot = (a: Float32Array, b: Float32Array) =>
  a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0)

describe("HashingEmbedder", () => {
  it.effect("returns unit vectors of the requested dimension, deterministically", () =>
    Effect.gen(function* () {
      const embedder = HashingEmbedder.make({ dimension: 64 })
      const first = yield* embedder.embed("Explain quantum entanglement to a child")
      const second = yield* embedder.embed("Explain quantum entanglement to a child")
      expect(embedder.dimension).toBe(64)
      expect(embedder.name).toBe("hashing-64")
      expect(first.length).toBe(64)
      expect(Array.from(first)).toEqual(Array.from(second))
      expect(dot(first, first)).toBeCloseTo(1, 5)
    })
  )

  it.effect("puts texts sharing words closer than unrelated texts", () =>
    Effect.gen(function* () {
      const embedder = HashingEmbedder.make()
      const [a, b, c] = yield* embedder.embedMany([
        "prove that the square root of two is irrational",
        "prove the square root of three is irrational",
        "recommend a pasta recipe for dinner tonight"
      ])
      expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!) + 0.2)
    })
  )

  it.effect("maps the empty text to the zero vector", () =>
    Effect.gen(function* () {
      const vector = yield* HashingEmbedder.make({ dimension: 16 }).embed("")
      expect(Array.from(vector).every((value) => value === 0)).toBe(true)
    })
  )

  it.effect("different seeds hash differently", () =>
    Effect.gen(function* () {
      const a = yield* HashingEmbedder.make({ dimension: 32, seed: 1 }).embed("hello world")
      const b = yield* HashingEmbedder.make({ dimension: 32, seed: 2 }).embed("hello world")
      expect(Array.from(a)).not.toEqual(Array.from(b))
    })
  )

  it.effect("rejects invalid options with a tagged error, and provides the Embedder layer", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(HashingEmbedder.makeEffect({ dimension: 0 }))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(() => HashingEmbedder.make({ maxWordNgram: 0 })).toThrow(/maxWordNgram/)
      const dimension = yield* Effect.provide(
        Effect.map(Embedder, (embedder) => embedder.dimension),
        HashingEmbedder.layer({ dimension: 8 })
      )
      expect(dimension).toBe(8)
    })
  )
})
