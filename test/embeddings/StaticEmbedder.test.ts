import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as ConcatEmbedder from "../../src/embeddings/ConcatEmbedder.ts"
import * as EmbeddingCache from "../../src/embeddings/EmbeddingCache.ts"
import * as HashingEmbedder from "../../src/embeddings/HashingEmbedder.ts"
import * as SentencePieceTokenizer from "../../src/embeddings/SentencePieceTokenizer.ts"
import * as StaticEmbedder from "../../src/embeddings/StaticEmbedder.ts"
import type { EmbedderShape } from "../../src/embeddings/Embedder.ts"
import * as Weights from "../../src/routers/Weights.ts"

const vocabulary: Array<[string, number]> = [
  ["<unk>", 0],
  ["▁hello", -2],
  ["▁hell", -3],
  ["o", -3],
  ["▁world", -2.5],
  ["▁", -4],
  ["w", -5],
  ["orld", -5]
]

describe("SentencePieceTokenizer", () => {
  const tokenizer = SentencePieceTokenizer.make(vocabulary, 1)

  it("picks the most probable segmentation (Viterbi)", () => {
    // "▁hello" (-2) beats "▁hell" + "o" (-6); "▁world" (-2.5) beats "▁" + "w" + "orld" (-14)
    expect(tokenizer.encode("hello world")).toEqual([1, 4])
    expect(tokenizer.encode("hellooo")).toEqual([1, 3, 3])
  })

  it("maps unknown characters to id 0, merging runs, and never emits reserved ids", () => {
    expect(tokenizer.encode("hello ZZ")).toEqual([1, 5, 0])
    expect(tokenizer.encode("")).toEqual([])
  })
})

const writeStatic = (dir: string, dtype: "float16" | "float32" = "float16") =>
  Effect.gen(function* () {
    writeFileSync(
      join(dir, "s.vocab.json"),
      JSON.stringify(vocabulary.map(([piece, score], i) => [piece, i === 2 ? null : score]))
    )
    // token vectors: hello → (1, 0), world → (0, 1); weights 1 and 3
    const tokens = new Array(8 * 2).fill(0)
    tokens[1 * 2] = 1
    tokens[4 * 2 + 1] = 1
    const weights = [0, 1, 0, 0, 3, 0, 0, 0]
    yield* Weights.saveWeights(
      join(dir, "s.json"),
      {
        router: "static-embedder",
        embedder: "static-test",
        extra: { vocabulary: "s.vocab.json", reservedTokens: 1 }
      },
      [
        { name: "tokens", shape: [8, 2], data: tokens, dtype },
        { name: "tokenWeights", shape: [8], data: weights }
      ]
    )
  })

describe("StaticEmbedder", () => {
  it.effect("a text is the weighted mean of its token vectors, L2-normalised", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "static-"))
      yield* writeStatic(dir)
      const embedder = yield* StaticEmbedder.make(join(dir, "s.json"))
      expect(embedder.name).toBe("static-test")
      expect(embedder.dimension).toBe(2)
      const vector = yield* embedder.embed("hello world")
      // (1, 3) / √10
      expect(vector[0]).toBeCloseTo(1 / Math.sqrt(10), 6)
      expect(vector[1]).toBeCloseTo(3 / Math.sqrt(10), 6)
      expect(Array.from(yield* embedder.embed("xyz"))).toEqual([0, 0])
    })
  )

  it.effect("float16 token vectors stay undecoded and embed exactly as their float32 values do", () =>
    Effect.gen(function* () {
      const halfDir = mkdtempSync(join(tmpdir(), "static-"))
      const fullDir = mkdtempSync(join(tmpdir(), "static-"))
      yield* writeStatic(halfDir, "float16")
      yield* writeStatic(fullDir, "float32")
      const half = yield* StaticEmbedder.load(join(halfDir, "s.json"))
      const full = yield* StaticEmbedder.load(join(fullDir, "s.json"))
      expect(half.tokens).toBeInstanceOf(Uint16Array)
      expect(full.tokens).toBeInstanceOf(Float32Array)
      expect(Array.from(StaticEmbedder.tokenVectors(half))).toEqual(Array.from(full.tokens))
      for (const text of ["hello world", "world world hello", "hellooo", "nothing known"]) {
        expect(Array.from(StaticEmbedder.embedText(half, text))).toEqual(
          Array.from(StaticEmbedder.embedText(full, text))
        )
      }
    })
  )

  it.effect("repeated tokens count once per occurrence, and one text never leaks into the next", () =>
    Effect.gen(function* () {
      for (const dtype of ["float16", "float32"] as const) {
        const dir = mkdtempSync(join(tmpdir(), "static-"))
        yield* writeStatic(dir, dtype)
        const model = yield* StaticEmbedder.load(join(dir, "s.json"))
        // hello → (1, 0) with weight 1, twice; world → (0, 1) with weight 3: mean (2, 3) / 5
        const mean = StaticEmbedder.weightedMean(model, "hello hello world")
        expect(mean[0]).toBeCloseTo(2 / 5, 6)
        expect(mean[1]).toBeCloseTo(3 / 5, 6)
        // The same model right after: only "world" counts
        expect(Array.from(StaticEmbedder.weightedMean(model, "world"))).toEqual([0, 1])
        expect(Array.from(StaticEmbedder.weightedMean(model, "hello"))).toEqual([1, 0])
      }
    })
  )

  it.effect("a malformed vocabulary entry is named by its index", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "static-"))
      yield* writeStatic(dir)
      const entries: Array<unknown> = vocabulary.map(([piece, score]) => [piece, score])
      entries[5] = ["▁", "high"]
      writeFileSync(join(dir, "s.vocab.json"), JSON.stringify(entries))
      const exit = yield* Effect.exit(StaticEmbedder.make(join(dir, "s.json")))
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error?.reason).toBe("CorruptWeights")
      expect(error?.message).toMatch(
        /s\.vocab\.json: \[5\]: expected \[piece: string, score: number \| null\]/
      )
    })
  )

  it.effect("corrupt or mismatched weights fail with a CorruptWeights/LoadFailed EmbeddingError", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "static-"))
      yield* writeStatic(dir)
      writeFileSync(join(dir, "s.vocab.json"), JSON.stringify([["a", 0]]))
      const mismatch = yield* Effect.exit(StaticEmbedder.make(join(dir, "s.json")))
      expect(
        Exit.isFailure(mismatch) &&
          mismatch.cause._tag === "Fail" &&
          mismatch.cause.error.reason === "CorruptWeights"
      ).toBe(true)
      writeFileSync(join(dir, "s.vocab.json"), "{")
      const corrupt = yield* Effect.exit(StaticEmbedder.make(join(dir, "s.json")))
      expect(
        Exit.isFailure(corrupt) &&
          corrupt.cause._tag === "Fail" &&
          corrupt.cause.error.reason === "CorruptWeights"
      ).toBe(true)
      const missing = yield* Effect.exit(StaticEmbedder.make(join(dir, "absent.json")))
      expect(
        Exit.isFailure(missing) &&
          missing.cause._tag === "Fail" &&
          missing.cause.error.reason === "LoadFailed"
      ).toBe(true)
    })
  )
})

describe("EmbeddingCache and ConcatEmbedder", () => {
  it.effect("embeds each distinct text once and evicts the least recently used", () =>
    Effect.gen(function* () {
      const inner = HashingEmbedder.make({ dimension: 8 })
      let calls = 0
      const counting: EmbedderShape = {
        ...inner,
        embed: (text) => Effect.tap(inner.embed(text), () => Effect.sync(() => calls++)),
        embedMany: (texts) =>
          Effect.tap(inner.embedMany(texts), () => Effect.sync(() => (calls += texts.length)))
      }
      const cached = EmbeddingCache.make(counting, { capacity: 2 })
      const first = yield* cached.embed("a")
      yield* cached.embed("a")
      expect(calls).toBe(1)
      expect(Array.from(yield* cached.embed("a"))).toEqual(Array.from(first))
      yield* cached.embedMany(["b", "a", "c"])
      expect(calls).toBe(3)
      expect(cached.size()).toBe(2)
      // order of use: a (hit, refreshed), then b and c stored → a is the least recent → evicted
      yield* cached.embed("b")
      expect(calls).toBe(3)
      yield* cached.embed("a")
      expect(calls).toBe(4)
    })
  )

  it.effect("concatenates unit-normalised parts into a unit vector", () =>
    Effect.gen(function* () {
      const both = ConcatEmbedder.make([
        HashingEmbedder.make({ dimension: 4, seed: 1 }),
        HashingEmbedder.make({ dimension: 6, seed: 2 })
      ])
      expect(both.dimension).toBe(10)
      expect(both.name).toBe("hashing-4+hashing-6")
      const vector = yield* both.embed("some text to embed")
      expect(vector.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 5)
      const many = yield* both.embedMany(["some text to embed"])
      expect(Array.from(many[0]!)).toEqual(Array.from(vector))
    })
  )
})
