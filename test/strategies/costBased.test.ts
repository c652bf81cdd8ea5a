import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { costBased } from "../../src/strategies/costBased.ts"
import { candidates, context, deployment, ids, words } from "./fixtures.ts"

// Cheap to read, dear to write; and the opposite.
const reader = deployment("reader", { inputCostPerToken: 1e-7, outputCostPerToken: 1e-5 })
const writer = deployment("writer", { inputCostPerToken: 1e-5, outputCostPerToken: 1e-7 })
const mystery = deployment("mystery", { model: "no-such-model-anywhere" })

describe("costBased", () => {
  it.effect("orders by the expected cost of this request", () =>
    Effect.gen(function* () {
      const longPrompt = yield* costBased().apply(
        candidates(writer, reader),
        context(words(2_000), { max_tokens: 10 })
      )
      expect(ids(longPrompt)).toEqual(["reader", "writer"])
      const longAnswer = yield* costBased().apply(
        candidates(reader, writer),
        context("hi", { max_tokens: 4_000 })
      )
      expect(ids(longAnswer)).toEqual(["writer", "reader"])
    })
  )

  it.effect("scores and explains each candidate's cost", () =>
    Effect.gen(function* () {
      // 10 words + 7 framing = 17 prompt tokens at $1e-5, 100 output tokens at $1e-7: $0.00018.
      const outcome = yield* costBased().apply(candidates(writer), context(words(10), { max_tokens: 100 }))
      expect(outcome.candidates[0]?.scores["cost"]).toBeCloseTo(17 * 1e-5 + 100 * 1e-7, 12)
      expect(outcome.candidates[0]?.reasons).toEqual([
        "cost: $0.00018 for 17 prompt + 100 output tokens (deployment prices)"
      ])
      expect(outcome.summary).toBe(
        "cost (100 output tokens requested): writer $0.00018 (cheapest); price unknown, last: none"
      )
    })
  )

  it.effect("puts deployments of unknown price last, with a reason", () =>
    Effect.gen(function* () {
      const outcome = yield* costBased().apply(candidates(mystery, writer, reader), context("hello"))
      // A short prompt and the 256 assumed output tokens: the cheap writer comes first.
      expect(ids(outcome)).toEqual(["writer", "reader", "mystery"])
      expect(outcome.removed).toEqual([])
      expect(outcome.candidates[2]?.reasons).toEqual([
        "cost: no price known for model no-such-model-anywhere; ordered last"
      ])
      expect(outcome.summary).toContain("price unknown, last: mystery")
      expect(outcome.summary).toContain("256 output tokens assumed")
    })
  )

  it.effect("uses the maintained price table for known models", () =>
    Effect.gen(function* () {
      const gpt4o = deployment("gpt-4o@openai", { model: "gpt-4o" })
      const mini = deployment("gpt-4o-mini@openai", { model: "gpt-4o-mini" })
      const outcome = yield* costBased().apply(candidates(gpt4o, mini), context("Summarise this paragraph"))
      expect(ids(outcome)).toEqual(["gpt-4o-mini@openai", "gpt-4o@openai"])
      expect(outcome.candidates[0]?.reasons[0]).toContain("(genai-prices prices)")
    })
  )
})
