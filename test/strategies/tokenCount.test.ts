import { describe, expect, it } from "@effect/vitest"
import type { ChatCompletionRequest } from "../../src/core/ChatCompletion.ts"
import { Effect } from "effect"
import * as RoutingContext from "../../src/core/RoutingContext.ts"
import { tokenCount } from "../../src/strategies/tokenCount.ts"
import { context, request, words } from "./fixtures.ts"

const bands = tokenCount({
  bands: [
    { upTo: 4_000, route: "medium" },
    { upTo: 500, route: "small" }
  ],
  otherwise: "large"
})

describe("tokenCount", () => {
  it.effect("picks the first band that holds the prompt, whatever order the bands are given in", () =>
    Effect.gen(function* () {
      expect((yield* bands.classify(context(words(10)))).choice).toBe("small")
      expect((yield* bands.classify(context(words(1_000)))).choice).toBe("medium")
      expect((yield* bands.classify(context(words(5_000)))).choice).toBe("large")
    })
  )

  it.effect("treats upTo as inclusive and says which band it used", () =>
    Effect.gen(function* () {
      // 3 priming tokens + 4 per message framing + n words of one token each.
      const exact = tokenCount({ bands: [{ upTo: 7 + 100, route: "fits" }], otherwise: "over" })
      const fits = yield* exact.classify(context(words(100)))
      expect(fits.choice).toBe("fits")
      expect(fits.summary).toBe("tokenCount: 107 prompt tokens (cl100k_base) ≤ 107 → fits")
      const over = yield* exact.classify(context(words(101)))
      expect(over.choice).toBe("over")
      expect(over.summary).toContain("> 107 → over (otherwise)")
    })
  )

  it.effect("chooses the encoding from the request's model, a given model, or a given encoding", () =>
    Effect.gen(function* () {
      const byRequest = yield* bands.classify(RoutingContext.make(request("hi", { model: "gpt-4o" })))
      expect(byRequest.summary).toContain("(o200k_base)")
      const byOption = tokenCount({ bands: [], otherwise: "any", model: "gpt-4o-mini" })
      expect((yield* byOption.classify(context("hi"))).summary).toContain("(o200k_base)")
      const byEncoding = tokenCount({ bands: [], otherwise: "any", model: "gpt-4o", encoding: "cl100k_base" })
      expect((yield* byEncoding.classify(context("hi"))).summary).toContain("(cl100k_base)")
    })
  )

  it.effect("counts the whole prompt by default, or only the routing text", () =>
    Effect.gen(function* () {
      const longSystem: { readonly messages: ChatCompletionRequest["messages"] } = {
        messages: [
          { role: "system", content: words(2_000) },
          { role: "user", content: "hi" }
        ]
      }
      const prompt = tokenCount({ bands: [{ upTo: 100, route: "short" }], otherwise: "long" })
      const text = tokenCount({ bands: [{ upTo: 100, route: "short" }], otherwise: "long", measure: "text" })
      expect((yield* prompt.classify(context("", longSystem))).choice).toBe("long")
      expect((yield* text.classify(context("", longSystem))).choice).toBe("short")
    })
  )

  it("lists every route it can return once", () => {
    const classifier = tokenCount({
      bands: [
        { upTo: 10, route: "a" },
        { upTo: 20, route: "a" }
      ],
      otherwise: "b"
    })
    expect([...classifier.choices].sort()).toEqual(["a", "b"])
  })
})
