/**
 * Out-of-fold scoring: a trained router is only ever scored on prompts it was not trained on.
 *
 * Items are split into `k` folds with a seeded shuffle; identical prompts always share a fold, so a
 * duplicated question cannot leak from training into evaluation.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as SeededRandom from "../routers/SeededRandom.ts"

/**
 * Assigns each prompt a fold in `[0, k)`. Identical prompts get the same fold; fold sizes (in
 * distinct prompts) differ by at most one.
 *
 * @since 0.1.0
 */
export const assignFolds = (
  prompts: ReadonlyArray<string>,
  k: number,
  seed: number
): ReadonlyArray<number> => {
  const groups = new Map<string, number>()
  for (const prompt of prompts) if (!groups.has(prompt)) groups.set(prompt, groups.size)
  const order = SeededRandom.make(seed).shuffle(Array.from({ length: groups.size }, (_, index) => index))
  const foldOfGroup = new Array<number>(groups.size)
  order.forEach((group, position) => {
    foldOfGroup[group] = position % k
  })
  return prompts.map((prompt) => foldOfGroup[groups.get(prompt)!]!)
}

/**
 * Runs k-fold cross-validation: for each fold, `fit` receives the training indices and returns a
 * scorer, which is applied to the held-out indices. Returns one out-of-fold score per item.
 *
 * @since 0.1.0
 */
export const outOfFold = <E, R>(
  prompts: ReadonlyArray<string>,
  options: { readonly k: number; readonly seed: number },
  fit: (
    trainIndices: ReadonlyArray<number>,
    fold: number
  ) => Effect.Effect<(testIndices: ReadonlyArray<number>) => Effect.Effect<ReadonlyArray<number>, E, R>, E, R>
): Effect.Effect<ReadonlyArray<number>, E, R> =>
  Effect.gen(function* () {
    const folds = assignFolds(prompts, options.k, options.seed)
    const scores = new Array<number>(prompts.length).fill(Number.NaN)
    for (let fold = 0; fold < options.k; fold++) {
      const train: Array<number> = []
      const test: Array<number> = []
      folds.forEach((assigned, index) => (assigned === fold ? test : train).push(index))
      if (test.length === 0) continue
      const scorer = yield* fit(train, fold)
      const predicted = yield* scorer(test)
      test.forEach((index, position) => {
        scores[index] = predicted[position] ?? Number.NaN
      })
    }
    return scores
  })
