import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  loadArena,
  loadGsm8k,
  loadMmlu,
  loadMtBench,
  pairItems,
  STRONG_MODEL,
  WEAK_MODEL
} from "../../src/evaluation/Datasets.ts"

const makeDataDir = () => {
  const root = mkdtempSync(join(tmpdir(), "datasets-"))
  const mmlu = join(root, "routellm-evals", "mmlu", "responses")
  mkdirSync(mmlu, { recursive: true })
  const header = `prompt,${WEAK_MODEL},${STRONG_MODEL}\n`
  writeFileSync(
    join(mmlu, "mmlu_anatomy.csv"),
    header + `"Which bone?\nA. femur, ""long""\nB. ulna",False,True\nplain question,True,True\n`
  )
  writeFileSync(join(mmlu, "mmlu_virology.csv"), header + `leaked question,False,False\nvirus?,False,True\n`)
  writeFileSync(
    join(root, "routellm-evals", "mmlu", "contaminated_prompts.jsonl"),
    JSON.stringify({ eval_prompt: "leaked question" }) + "\n"
  )
  const gsm = join(root, "routellm-evals", "gsm8k")
  mkdirSync(gsm, { recursive: true })
  writeFileSync(
    join(gsm, "gsm8k_responses.csv"),
    `prompt,${WEAK_MODEL},${STRONG_MODEL},x\nq1,True,True,r\nq2,False,True,r\n`
  )
  writeFileSync(join(gsm, "contaminated_prompts.jsonl"), "")
  const mt = join(root, "routellm-evals", "mt_bench")
  mkdirSync(mt, { recursive: true })
  writeFileSync(
    join(mt, "question.jsonl"),
    [
      { question_id: 1, category: "writing", turns: ["first turn", "second turn"] },
      { question_id: 2, category: "math", turns: ["clean", "contaminated second"] }
    ]
      .map((q) => JSON.stringify(q))
      .join("\n")
  )
  const judgement = (question_id: number, model: string, turn: number, score: number) =>
    JSON.stringify({ question_id, model, turn, score, judge: ["gpt-4"] })
  writeFileSync(
    join(mt, "judgements.jsonl"),
    [
      judgement(1, STRONG_MODEL, 1, 9),
      judgement(1, STRONG_MODEL, 2, 6),
      judgement(1, WEAK_MODEL, 1, 8),
      judgement(1, WEAK_MODEL, 2, 3),
      judgement(2, STRONG_MODEL, 1, 5),
      judgement(2, WEAK_MODEL, 1, 5)
    ].join("\n")
  )
  writeFileSync(
    join(mt, "contaminated_prompts.jsonl"),
    JSON.stringify({ eval_prompt: "contaminated second" })
  )
  mkdirSync(join(root, "arena-bench-v1"))
  writeFileSync(
    join(root, "arena-bench-v1", "scores.jsonl"),
    [
      { question_id: "a", prompt: "p1", scores: { [STRONG_MODEL]: 9, [WEAK_MODEL]: 4, "claude-1": 6 } },
      { question_id: "b", prompt: "p2", scores: { [STRONG_MODEL]: 8 } }
    ]
      .map((row) => JSON.stringify(row))
      .join("\n")
  )
  return root
}

describe("Datasets", () => {
  const root = makeDataDir()

  it.effect("MMLU: parses quoted multi-line CSV, converts booleans, drops contaminated prompts", () =>
    Effect.gen(function* () {
      const mmlu = yield* loadMmlu(root)
      expect(mmlu.items.map((item) => item.prompt)).toEqual([
        'Which bone?\nA. femur, "long"\nB. ulna',
        "plain question",
        "virus?"
      ])
      expect(mmlu.items[0]!.scores).toEqual({ [STRONG_MODEL]: 1, [WEAK_MODEL]: 0 })
      expect(mmlu.items[0]!.group).toBe("anatomy")
      expect(mmlu.removedAsContaminated).toBe(1)
    })
  )

  it.effect("GSM8K keeps extra columns out of the scores", () =>
    Effect.gen(function* () {
      const gsm = yield* loadGsm8k(root)
      expect(gsm.items).toHaveLength(2)
      expect(gsm.items[1]!.scores).toEqual({ [STRONG_MODEL]: 1, [WEAK_MODEL]: 0 })
    })
  )

  it.effect("MT Bench: first turn routed, mean of both turns scored, contaminated questions dropped", () =>
    Effect.gen(function* () {
      const mt = yield* loadMtBench(root)
      expect(mt.items).toHaveLength(1)
      expect(mt.items[0]!.prompt).toBe("first turn")
      expect(mt.items[0]!.scores).toEqual({ [STRONG_MODEL]: 7.5, [WEAK_MODEL]: 5.5 })
      expect(mt.removedAsContaminated).toBe(1)
    })
  )

  it.effect("arena keeps every model; pairItems keeps prompts scored for both routed models", () =>
    Effect.gen(function* () {
      const arena = yield* loadArena(root)
      expect(arena.items).toHaveLength(2)
      expect(pairItems(arena).map((item) => item.id)).toEqual(["a"])
    })
  )

  it.effect("malformed values fail with a DatasetError naming the file and row", () =>
    Effect.gen(function* () {
      const bad = makeDataDir()
      writeFileSync(
        join(bad, "routellm-evals", "gsm8k", "gsm8k_responses.csv"),
        `prompt,${WEAK_MODEL},${STRONG_MODEL}\nq1,Maybe,True\n`
      )
      const exit = yield* Effect.exit(loadGsm8k(bad))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        expect(exit.cause.error.reason).toBe("Malformed")
        expect(exit.cause.error.message).toMatch(/data row 1/)
      }
      const missing = yield* Effect.exit(loadArena(join(bad, "nowhere")))
      expect(Exit.isFailure(missing)).toBe(true)
    })
  )
})
