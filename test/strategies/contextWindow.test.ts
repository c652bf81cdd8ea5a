import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { countPromptTokens } from "../../src/core/Tokens.ts"
import { contextWindow } from "../../src/strategies/contextWindow.ts"
import { candidates, context, deployment, ids, reasonFor, request, words } from "./fixtures.ts"

// 1,000 one-token words + 7 tokens of framing.
const prompt = words(1_000)
const promptTokens = 1_007

describe("contextWindow", () => {
  it.effect(
    "drops deployments whose window cannot hold prompt plus requested output, naming the numbers",
    () =>
      Effect.gen(function* () {
        const small = deployment("small", { contextWindow: 1_200 })
        const large = deployment("large", { contextWindow: 8_192 })
        const unknown = deployment("unknown")
        const outcome = yield* contextWindow().apply(
          candidates(small, large, unknown),
          context(prompt, { max_tokens: 500 })
        )
        expect(ids(outcome)).toEqual(["large", "unknown"])
        expect(reasonFor(outcome, "small")).toBe(
          `needs 1,507 tokens (${promptTokens.toLocaleString("en-US")} prompt + 500 output), window 1,200`
        )
        expect(outcome.summary).toContain(
          "prompt + 500 output tokens requested must fit each window; kept 2 of 3"
        )
        expect(outcome.summary).toContain("small (needs 1,507 tokens")
      })
  )

  it.effect("reserves a small default output when the request sets none, capped at maxOutputTokens", () =>
    Effect.gen(function* () {
      const tight = deployment("tight", { contextWindow: promptTokens + 200 })
      const cappedOutput = deployment("capped", { contextWindow: promptTokens + 200, maxOutputTokens: 100 })
      const outcome = yield* contextWindow().apply(candidates(tight, cappedOutput), context(prompt))
      expect(ids(outcome)).toEqual(["capped"])
      expect(reasonFor(outcome, "tight")).toContain("+ 256 output")
      const generous = yield* contextWindow({ reserveOutputTokens: 150 }).apply(
        candidates(tight),
        context(prompt)
      )
      expect(ids(generous)).toEqual(["tight"])
    })
  )

  it.effect("drops deployments that cannot generate the requested output at all", () =>
    Effect.gen(function* () {
      const short = deployment("short", { contextWindow: 128_000, maxOutputTokens: 4_096 })
      const outcome = yield* contextWindow().apply(
        candidates(short),
        context("hi", { max_completion_tokens: 16_000 })
      )
      expect(ids(outcome)).toEqual([])
      expect(reasonFor(outcome, "short")).toBe("asks 16,000 output tokens, max output 4,096")
    })
  )

  it.effect("counts the prompt with each deployment's model tokenizer", () =>
    Effect.gen(function* () {
      // Text whose token counts differ between the two encodings.
      const text = "日本語のテキストはエンコーディングによってトークン数が変わります。".repeat(40)
      const o200k = countPromptTokens(request(text), "o200k_base")
      const cl100k = countPromptTokens(request(text), "cl100k_base")
      expect(o200k).not.toBe(cl100k)
      const window = Math.min(o200k, cl100k) + 10 + Math.floor(Math.abs(o200k - cl100k) / 2)
      const modern = deployment("modern", { model: "gpt-4o", contextWindow: window })
      const legacy = deployment("legacy", { model: "gpt-4", contextWindow: window })
      const outcome = yield* contextWindow({ reserveOutputTokens: 10 }).apply(
        candidates(modern, legacy),
        context(text)
      )
      expect(ids(outcome)).toEqual([o200k < cl100k ? "modern" : "legacy"])
    })
  )
})
