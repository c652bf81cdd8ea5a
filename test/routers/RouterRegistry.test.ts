import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseInput, score } from "../../src/cli/commands/score.ts"
import * as KeywordWinRate from "../../src/routers/KeywordWinRate.ts"
import * as OnnxGraph from "../../src/routers/OnnxGraph.ts"
import { routingTextOf } from "../../src/core/RoutingContext.ts"
import * as RandomRouter from "../../src/routers/RandomRouter.ts"
import { makeRouter } from "../../src/routers/RouterRegistry.ts"
import * as TokenCountWinRate from "../../src/routers/TokenCountWinRate.ts"

describe("heuristic and random routers", () => {
  it.effect("token count: longer prompts get higher win rates", () =>
    Effect.gen(function* () {
      const router = TokenCountWinRate.make({ midpointTokens: 10 })
      const short = yield* router.winRate("hi")
      const long = yield* router.winRate("word ".repeat(200))
      expect(short).toBeLessThan(0.5)
      expect(long).toBeGreaterThan(0.9)
    })
  )

  it.effect("keywords: weights of distinct keywords add up", () =>
    Effect.gen(function* () {
      const router = KeywordWinRate.make({ keywords: { prove: 2, hello: -1 } })
      expect(yield* router.winRate("nothing here")).toBe(0.5)
      expect(yield* router.winRate("Prove it, prove it")).toBeCloseTo(1 / (1 + Math.exp(-2)), 12)
      expect(yield* router.winRate("hello, prove")).toBeCloseTo(1 / (1 + Math.exp(-1)), 12)
    })
  )

  it.effect("keywords: words that name Object.prototype members are ordinary words", () =>
    Effect.gen(function* () {
      // An MMLU question mentions "constructor"; a record lookup returned a function and the win
      // rate became NaN.
      const router = KeywordWinRate.make()
      for (const prompt of [
        "constructor",
        "toString valueOf __proto__ hasOwnProperty",
        "prove constructor"
      ]) {
        const rate = yield* router.winRate(prompt)
        expect(Number.isFinite(rate)).toBe(true)
      }
      expect(yield* router.winRate("prove constructor")).toBe(yield* router.winRate("prove"))
      expect(yield* router.winRate("constructor __proto__")).toBe(yield* router.winRate("nothing"))
    })
  )

  it.effect("random: uniform-looking, deterministic per prompt and seed", () =>
    Effect.gen(function* () {
      const a = RandomRouter.make({ seed: 1 })
      const b = RandomRouter.make({ seed: 2 })
      const rates = yield* Effect.forEach(
        Array.from({ length: 2000 }, (_, i) => `prompt ${i}`),
        a.winRate
      )
      expect(rates.every((r) => r >= 0 && r < 1)).toBe(true)
      const mean = rates.reduce((s, r) => s + r, 0) / rates.length
      expect(mean).toBeGreaterThan(0.45)
      expect(mean).toBeLessThan(0.55)
      expect(yield* a.winRate("same")).toBe(yield* a.winRate("same"))
      expect(yield* a.winRate("same")).not.toBe(yield* b.winRate("same"))
    })
  )
})

describe("RouterRegistry", () => {
  it.effect("unknown names and broken weights fail with clear RouterErrors", () =>
    Effect.gen(function* () {
      const unknown = yield* Effect.exit(makeRouter("gpt-router"))
      expect(
        Exit.isFailure(unknown) &&
          unknown.cause._tag === "Fail" &&
          unknown.cause.error.message.includes("known routers: mf")
      ).toBe(true)
      const dir = mkdtempSync(join(tmpdir(), "registry-"))
      writeFileSync(join(dir, "broken.json"), "{ not json")
      const broken = yield* Effect.exit(makeRouter("mf", { weights: join(dir, "broken.json") }))
      expect(
        Exit.isFailure(broken) &&
          broken.cause._tag === "Fail" &&
          broken.cause.error.reason === "InvalidWeights"
      ).toBe(true)
      const otherEmbedder = yield* Effect.exit(makeRouter("mf", { embedder: "hashing" }))
      expect(
        Exit.isFailure(otherEmbedder) &&
          otherEmbedder.cause._tag === "Fail" &&
          otherEmbedder.cause.error.message.includes("trained with embedder")
      ).toBe(true)
    })
  )

  it.effect(
    "pair-trained routers refuse another model pair; mf and sw_ranking take any pair of their models",
    () =>
      Effect.gen(function* () {
        const other = { strongModel: "claude-2.1", weakModel: "vicuna-33b-v1.3" }
        for (const name of ["knn", "knn_ridge", "classifier"]) {
          const error = yield* Effect.flip(makeRouter(name, other))
          expect(error.reason).toBe("InvalidInput")
          expect(error.message).toContain(
            "were trained for gpt-4-1106-preview (strong) vs mistralai/Mixtral-8x7B-Instruct-v0.1 (weak)"
          )
          expect(error.message).toContain(
            "cannot route strong model claude-2.1 and weak model vicuna-33b-v1.3"
          )
          // The pair they were trained for is accepted.
          yield* makeRouter(name, {
            strongModel: "gpt-4-1106-preview",
            weakModel: "mistralai/Mixtral-8x7B-Instruct-v0.1"
          })
        }
        const prompt = "Prove that there are infinitely many primes"
        for (const name of ["mf", "sw_ranking"]) {
          const usual = yield* (yield* makeRouter(name)).winRate(prompt)
          const swapped = yield* (yield* makeRouter(name, {
            strongModel: other.weakModel,
            weakModel: other.strongModel
          })).winRate(prompt)
          const asked = yield* (yield* makeRouter(name, other)).winRate(prompt)
          expect(asked).not.toBe(usual)
          // Swapping the pair turns the win rate around (mf: exactly 1 − p).
          expect(asked > 0.5).toBe(swapped < 0.5)
        }
      })
  )

  it.effect("the default mf router loads the shipped weights and embedder offline", () =>
    Effect.gen(function* () {
      const router = yield* makeRouter("mf")
      const rate = yield* router.winRate("Prove that there are infinitely many primes")
      expect(rate).toBeGreaterThanOrEqual(0)
      expect(rate).toBeLessThanOrEqual(1)
    })
  )

  it.effect("builds every heuristic by name", () =>
    Effect.gen(function* () {
      for (const name of ["random", "token-count", "keyword"]) {
        const router = yield* makeRouter(name)
        const rate = yield* router.winRate("Explain the difference between TCP and UDP")
        expect(rate).toBeGreaterThanOrEqual(0)
        expect(rate).toBeLessThanOrEqual(1)
      }
    })
  )
})

describe("score command", () => {
  it("routes on the prompt, or on the last user turn of messages", () => {
    expect(
      routingTextOf([
        { role: "user", content: "first" },
        { role: "assistant", content: "a" },
        { role: "user", content: [{ type: "text", text: "second" }] }
      ])
    ).toBe("second")
    const parsed = parseInput('{"prompt":"a"}\n{"messages":[{"role":"user","content":"b"}],"id":3}\n')
    expect(Either.isRight(parsed) && parsed.right.map((line) => line.prompt)).toEqual(["a", "b"])
  })

  it("names the line of a bad input", () => {
    for (const [text, line] of [
      ['{"prompt":"a"}\n{"prompt":1}\n', 2],
      ['{"prompt":"a"}\n\n{"prompt":"c"}', 2],
      ["[1]\n", 1],
      ['{"other":"x"}', 1]
    ] as const) {
      const parsed = parseInput(text)
      expect(Either.isLeft(parsed) && parsed.left.line).toBe(line)
      expect(Either.isLeft(parsed) && parsed.left.message.startsWith(`line ${line}:`)).toBe(true)
    }
  })

  it.effect("writes one line per input line, in order, with prompt and winRate", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "score-"))
      const input = join(dir, "in.jsonl")
      writeFileSync(
        input,
        [
          '{"prompt":"hello"}',
          '{"prompt":"prove the Riemann hypothesis","id":"x"}',
          '{"messages":[{"role":"user","content":"hi"}]}'
        ].join("\n")
      )
      const output = join(dir, "out.jsonl")
      const result = yield* score({ router: "keyword", input, output, onProgress: () => undefined })
      expect(result.lines).toBe(3)
      const lines = readFileSync(output, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { prompt: string; winRate: number; id?: string })
      expect(lines.map((line) => line.prompt)).toEqual(["hello", "prove the Riemann hypothesis", "hi"])
      expect(lines[1]!.id).toBe("x")
      expect(lines.every((line) => line.winRate >= 0 && line.winRate <= 1)).toBe(true)
      expect(lines[1]!.winRate).toBeGreaterThan(lines[0]!.winRate)
    })
  )

  it.effect("a router that returns NaN fails the run naming the line, and writes no output", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "score-"))
      const input = join(dir, "in.jsonl")
      writeFileSync(input, '{"prompt":"fine"}\n{"prompt":"also fine"}\n')
      // A user's own ONNX classifier whose weights are NaN: every score is NaN.
      const model = join(dir, "nan.onnx")
      writeFileSync(model, OnnxGraph.logisticRegression(new Array<number>(512).fill(Number.NaN), 0))
      const output = join(dir, "out.jsonl")
      const exit = yield* Effect.exit(
        score({
          router: "classifier",
          weights: model,
          embedder: "hashing",
          input,
          output,
          onProgress: () => undefined
        })
      )
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        expect(exit.cause.error).toMatchObject({ _tag: "ScoreError", reason: "InvalidWinRate", line: 1 })
        expect(exit.cause.error.message).toContain("line 1")
      } else expect.fail("expected a ScoreError")
      expect(existsSync(output)).toBe(false)
    })
  )
})
