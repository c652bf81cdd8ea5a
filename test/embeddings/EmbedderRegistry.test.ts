import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { makeEmbedder } from "../../src/embeddings/EmbedderRegistry.ts"

const failure = <E>(exit: Exit.Exit<unknown, E>): E | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

describe("embedder names", () => {
  it.effect("hashing dimensions above 65,536 are refused; transformers is named as library-only", () =>
    Effect.gen(function* () {
      const huge = failure(yield* Effect.exit(makeEmbedder("hashing-99999999")))
      expect(huge?.message).toContain("dimension must be an integer from 1 to 65536, got 99999999")
      expect((yield* makeEmbedder("hashing-65536")).dimension).toBe(65536)
      expect(failure(yield* Effect.exit(makeEmbedder("hashing-65537")))?.reason).toBe("InvalidInput")
      const transformers = failure(yield* Effect.exit(makeEmbedder("transformers:/models/all-MiniLM-L6-v2")))
      expect(transformers?.message).toContain(
        "is library-only: build it with TransformersEmbedder.make({ modelPath })"
      )
    })
  )
})
