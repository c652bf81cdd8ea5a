import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { keyword } from "../../src/strategies/keyword.ts"
import { context, words } from "./fixtures.ts"

const topics = keyword({ default: "general" })

describe("keyword (route mode)", () => {
  it.effect("routes by the built-in rule sets and names the matched rules", () =>
    Effect.gen(function* () {
      const code = yield* topics.classify(
        context("Why does this Python function throw an exception?\n```\ndef f(x): return x[0]\n```")
      )
      expect(code.choice).toBe("code")
      expect(code.summary).toContain('"python"')
      expect(code.summary).toContain('"function"')
      expect(code.summary).toContain("code fence")
      expect(
        (yield* topics.classify(context("Solve the equation 3x + 5 = 20 and prove it is unique"))).choice
      ).toBe("math")
      expect((yield* topics.classify(context("Please translate 'good morning' into Japanese"))).choice).toBe(
        "translation"
      )
      expect((yield* topics.classify(context("Write a haiku about autumn leaves"))).choice).toBe("creative")
      expect(
        (yield* topics.classify(
          context("Think through the pros and cons step by step and justify your answer")
        )).choice
      ).toBe("reasoning")
    })
  )

  it.effect("falls back to the default when nothing matches or the best score is below minScore", () =>
    Effect.gen(function* () {
      const none = yield* topics.classify(context("good evening"))
      expect(none.choice).toBe("general")
      expect(none.summary).toBe("keyword: no rule matched → general (default)")
      const strict = keyword({ default: "general", minScore: 5 })
      const weak = yield* strict.classify(context("solve it"))
      expect(weak.choice).toBe("general")
      expect(weak.summary).toContain('math 1 ("solve"); best 1 < minScore 5 → general (default)')
    })
  )

  it.effect("matches keywords as whole words, case-insensitively", () =>
    Effect.gen(function* () {
      const rules = keyword({ rules: [{ route: "legal", keywords: ["contract", "c++"] }], default: "other" })
      expect((yield* rules.classify(context("Review this CONTRACT"))).choice).toBe("legal")
      expect((yield* rules.classify(context("subcontractors are late"))).choice).toBe("other")
      expect((yield* rules.classify(context("I love C++ templates"))).choice).toBe("legal")
    })
  )

  it.effect("adds user rules (keywords, regex strings, weights) to the built-ins when asked", () =>
    Effect.gen(function* () {
      const classifier = keyword({
        useBuiltins: ["code"],
        rules: [
          { route: "sql", patterns: ["\\bselect\\b.+\\bfrom\\b"], weight: 5 },
          { route: "legal", keywords: ["clause"], weight: -2 }
        ],
        default: "general"
      })
      const sql = yield* classifier.classify(context("select name from users where id = 3 in SQL"))
      expect(sql.choice).toBe("sql")
      expect(sql.scores?.["sql"]).toBe(5)
      expect(sql.scores?.["code"]).toBe(1)
      // Built-in sets not asked for are absent; negative-weight routes are never choices.
      expect((yield* classifier.classify(context("write a poem"))).choice).toBe("general")
      expect([...classifier.choices].sort()).toEqual(["code", "general", "sql"])
    })
  )

  it.effect("uses only the user's rules when rules are given and useBuiltins is not", () =>
    Effect.gen(function* () {
      const classifier = keyword({ rules: [{ route: "greeting", keywords: ["hello"] }], default: "other" })
      expect((yield* classifier.classify(context("debug this python function"))).choice).toBe("other")
      expect([...classifier.choices].sort()).toEqual(["greeting", "other"])
    })
  )

  it.effect("counts each keyword once however often it occurs", () =>
    Effect.gen(function* () {
      const classifier = keyword({
        rules: [
          { route: "a", keywords: ["alpha"] },
          { route: "b", keywords: ["beta", "gamma"] }
        ],
        default: "none"
      })
      const result = yield* classifier.classify(context("alpha alpha alpha alpha beta gamma"))
      expect(result.choice).toBe("b")
      expect(result.scores).toEqual({ a: 1, b: 2 })
    })
  )
})

describe("keyword (tier mode)", () => {
  const tiers = keyword({
    default: "complex",
    tiers: {
      bands: [
        { upTo: 1, route: "simple" },
        { upTo: 4, route: "medium" }
      ]
    }
  })

  it.effect("maps a combined complexity score to tiers and explains the sum", () =>
    Effect.gen(function* () {
      const simple = yield* tiers.classify(context("good evening"))
      expect(simple.choice).toBe("simple")
      const medium = yield* tiers.classify(context("Explain why the derivative of x^2 is 2x"))
      expect(medium.choice).toBe("medium")
      expect(medium.summary).toContain('"derivative"')
      const complex = yield* tiers.classify(
        context(
          "Implement a Python function that solves the equation 3x + 5 = 20, prove the algorithm is correct, and analyze the trade-offs step by step"
        )
      )
      expect(complex.choice).toBe("complex")
      expect(complex.summary).toMatch(/^keyword tiers: complexity [\d.]+ = /)
      expect(complex.summary).toContain("> 4 → complex")
      expect([...tiers.choices].sort()).toEqual(["complex", "medium", "simple"])
    })
  )

  it.effect("adds points for prompt length", () =>
    Effect.gen(function* () {
      // 3,000 one-token words with no keyword: about 3 points at the default 1 point per 1,000 tokens.
      expect((yield* tiers.classify(context(words(3_000)))).choice).toBe("medium")
      const lengthless = keyword({
        default: "complex",
        tiers: { bands: [{ upTo: 1, route: "simple" }], pointsPer1000Tokens: 0 }
      })
      expect((yield* lengthless.classify(context(words(3_000)))).choice).toBe("simple")
    })
  )
})
