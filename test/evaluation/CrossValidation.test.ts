import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { assignFolds, outOfFold } from "../../src/evaluation/CrossValidation.ts"

describe("CrossValidation", () => {
  const prompts = ["a", "b", "c", "a", "d", "e", "b", "f", "g", "h"]

  it("keeps identical prompts in one fold, balances folds, and is deterministic per seed", () => {
    const folds = assignFolds(prompts, 3, 7)
    expect(folds[0]).toBe(folds[3])
    expect(folds[1]).toBe(folds[6])
    // 8 distinct prompts over 3 folds: 3, 3, 2 distinct prompts per fold
    const distinctPerFold = [0, 1, 2]
      .map((fold) => new Set(prompts.filter((_, i) => folds[i] === fold)).size)
      .sort()
    expect(distinctPerFold).toEqual([2, 3, 3])
    expect(assignFolds(prompts, 3, 7)).toEqual(folds)
    expect(assignFolds(prompts, 3, 8)).not.toEqual(folds)
  })

  it.effect("scores every prompt with a model that never saw it", () =>
    Effect.gen(function* () {
      const scores = yield* outOfFold(prompts, { k: 3, seed: 1 }, (train) =>
        Effect.succeed((test) => {
          const seen = new Set(train.map((i) => prompts[i]))
          // 1 if the test prompt leaked into training, else 0
          return Effect.succeed(test.map((i) => (seen.has(prompts[i]!) ? 1 : 0)))
        })
      )
      expect(scores).toHaveLength(prompts.length)
      expect(scores.every((score) => score === 0)).toBe(true)
    })
  )
})
