import { Command, HelpDoc, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { calibrate, calibrateCommand } from "../../src/cli/commands/calibrate.ts"
import { routeCommand } from "../../src/cli/commands/route.ts"
import { parseInput, score } from "../../src/cli/commands/score.ts"
import { parseTrainingData, train } from "../../src/cli/commands/train.ts"
import * as ClassifierRouter from "../../src/routers/ClassifierRouter.ts"
import { makeRouter } from "../../src/routers/RouterRegistry.ts"
import * as Weights from "../../src/routers/Weights.ts"

// Adversarial inputs to `score`, `calibrate`, `train` and `route`: each must fail with a message that
// names what is wrong (or be read correctly), never crash, hang or carry on with a silent default.

const failure = <E>(exit: Exit.Exit<unknown, E>): E | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

const scratch = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

/** Runs one command's argument list, returning the validation message it fails with (if any). */
const validationMessage = <Name extends string, R, E, A>(
  command: Command.Command<Name, R, E, A>,
  args: ReadonlyArray<string>
) =>
  Command.run(command, { name: "llm-router", version: "0" })(["node", "llm-router", ...args]).pipe(
    Effect.flip,
    Effect.map((error) =>
      ValidationError.isValidationError(error) && "error" in error ? HelpDoc.toAnsiText(error.error) : ""
    ),
    Effect.provide(NodeContext.layer)
  )

describe("score input lines", () => {
  it("reads a first line behind a UTF-8 byte-order mark", () => {
    const parsed = parseInput('\uFEFF{"prompt":"a"}\r\n{"prompt":"b"}\r\n')
    expect(Either.isRight(parsed) && parsed.right.map((line) => line.prompt)).toEqual(["a", "b"])
  })

  it("rejects a line with both prompt and messages, or messages without a user turn", () => {
    for (const [text, expected] of [
      ['{"prompt":"a","messages":[{"role":"user","content":"b"}]}', 'both "prompt" and "messages"'],
      ['{"messages":[{"role":"system","content":"s"},{"role":"assistant","content":"hi"}]}', "no user turn"],
      ['{"prompt":"a"}\n\n{"prompt":"b"}\n', "line 2: blank line"]
    ] as const) {
      const parsed = parseInput(text)
      expect(Either.isLeft(parsed) && parsed.left.message).toContain(expected)
    }
  })
})

describe("score output", () => {
  const input = (dir: string) => {
    const path = join(dir, "in.jsonl")
    writeFileSync(path, '{"prompt":"hello"}\n{"prompt":"prove it"}\n')
    return path
  }

  it.effect("refuses to overwrite its input, and leaves the input as it was", () =>
    Effect.gen(function* () {
      const dir = scratch("score-same-")
      const path = input(dir)
      const error = failure(yield* Effect.exit(score({ router: "keyword", input: path, output: path })))
      expect(error).toMatchObject({ _tag: "ScoreError", reason: "OutputUnwritable" })
      expect(error?.message).toContain("it is the input file")
      expect(readFileSync(path, "utf8")).toBe('{"prompt":"hello"}\n{"prompt":"prove it"}\n')
    })
  )

  it.effect("fails before scoring when the output's directory does not exist", () =>
    Effect.gen(function* () {
      const dir = scratch("score-nodir-")
      let scored = 0
      const error = failure(
        yield* Effect.exit(
          score({
            router: "keyword",
            input: input(dir),
            output: join(dir, "missing", "out.jsonl"),
            onProgress: () => void scored++
          })
        )
      )
      expect(error?.message).toContain(`its directory ${join(dir, "missing")} does not exist`)
      expect(scored).toBe(0)
    })
  )

  it.effect("--output - writes the JSONL to standard output, not to a file called -", () =>
    Effect.gen(function* () {
      const dir = scratch("score-stdout-")
      const written: Array<string> = []
      const write = process.stdout.write.bind(process.stdout)
      process.stdout.write = ((chunk: string, callback?: (error?: Error | null) => void) => {
        written.push(String(chunk))
        callback?.(null)
        return true
      }) as typeof process.stdout.write
      const result = yield* Effect.ensuring(
        score({ router: "keyword", input: input(dir), output: "-", onProgress: () => undefined }),
        Effect.sync(() => {
          process.stdout.write = write
        })
      )
      expect(result.lines).toBe(2)
      expect(existsSync("-")).toBe(false)
      const lines = written.join("").trim().split("\n")
      expect(lines.map((line) => (JSON.parse(line) as { prompt: string }).prompt)).toEqual([
        "hello",
        "prove it"
      ])
    })
  )
})

describe("calibrate", () => {
  it.effect("an empty sample is an error, not a made-up threshold", () =>
    Effect.gen(function* () {
      const dir = scratch("calibrate-")
      const path = join(dir, "empty.jsonl")
      writeFileSync(path, "")
      const error = failure(
        yield* Effect.exit(calibrate({ router: "keyword", input: path, strongFraction: 0.5 }))
      )
      expect(error).toMatchObject({ _tag: "ScoreError", reason: "EmptyInput" })
      expect(error?.message).toContain("has no prompts")
    })
  )

  it.effect("--strong-fraction that is not a number in [0, 1] is named in the error", () =>
    Effect.gen(function* () {
      for (const value of ["abc", "0x1", "NaN", "1.5", "-1"]) {
        const message = yield* validationMessage(calibrateCommand, [
          "--router",
          "keyword",
          "--input",
          "unused.jsonl",
          "--strong-fraction",
          value
        ])
        expect(message).toContain(`--strong-fraction must be a number in [0, 1] (e.g. 0.5), got "${value}"`)
      }
    })
  )
})

describe("route", () => {
  it.effect("an empty prompt and a max-tokens that is not positive are errors", () =>
    Effect.gen(function* () {
      const config = join(process.cwd(), "examples", "router.config.yaml")
      expect(yield* validationMessage(routeCommand, ["--config", config, "   "])).toContain(
        "the prompt is empty"
      )
      expect(
        yield* validationMessage(routeCommand, ["--config", config, "--max-tokens", "-5", "hi"])
      ).toContain('--max-tokens must be an integer ≥ 1, got "-5"')
      // Not @effect/cli's "'abc' is not a integer", which does not say which option.
      expect(
        yield* validationMessage(routeCommand, ["--config", config, "--max-tokens", "abc", "hi"])
      ).toContain('--max-tokens must be an integer ≥ 1, got "abc"')
    })
  )
})

describe("training data lines", () => {
  it("names the field that is wrong instead of printing the whole schema", () => {
    for (const [line, expected] of [
      ['{"prompt":"a","scores":{"x":"9"}}', 'line 1: scores.x: Expected number, actual "9"'],
      ['{"prompt":"a","scores":{"x":1e999}}', "line 1: scores.x: Expected a finite number, actual Infinity"],
      ['{"prompt":"a","scores":{}}', "line 1: scores: must score at least one model"],
      ['{"prompt":"  ","scores":{"x":1}}', "line 1: prompt: must be a non-empty string"],
      [
        '{"prompt":"a","model_a":"x","model_b":"x","winner":"model_a"}',
        "model_a and model_b are the same model"
      ],
      [
        '{"prompt":"a","scores":{"x":1},"model_a":"x","model_b":"y","winner":"tie"}',
        'both "scores" and a pairwise'
      ],
      ["[1, 2]", "line 1: expected {prompt, scores} or"],
      ['{"prompt":"a","scores":{"x":NaN}}', "line 1: not valid JSON"]
    ] as const) {
      const parsed = parseTrainingData(line)
      expect(Either.isLeft(parsed) && parsed.left.message).toContain(expected)
      expect(Either.isLeft(parsed) && parsed.left.message).not.toContain("readonly")
    }
  })

  it("reads a file that starts with a UTF-8 byte-order mark", () => {
    const parsed = parseTrainingData('\uFEFF{"prompt":"a","scores":{"x":1}}\n')
    expect(Either.isRight(parsed) && parsed.right.length).toBe(1)
  })
})

describe("train on unusable data", () => {
  const write = (dir: string, lines: ReadonlyArray<unknown>) => {
    const path = join(dir, "data.jsonl")
    writeFileSync(path, lines.map((line) => JSON.stringify(line)).join("\n") + "\n")
    return path
  }
  const run = (data: string, dir: string, overrides: Partial<Parameters<typeof train>[0]> = {}) =>
    Effect.exit(
      train({
        data,
        router: "mf",
        embedder: "hashing-64",
        output: join(dir, "out", "mf.json"),
        strongModel: "a",
        weakModel: "b",
        ...overrides
      })
    )

  it.effect(
    "says so when no setting could be compared (the two models always tie), instead of a null score",
    () =>
      Effect.gen(function* () {
        const dir = scratch("train-ties-")
        const data = write(
          dir,
          Array.from({ length: 40 }, (_, i) => ({
            prompt: `question ${i} on topic ${i % 7}`,
            scores: { a: i % 5, b: i % 5 }
          }))
        )
        const exit = yield* run(data, dir)
        expect(Exit.isSuccess(exit)).toBe(true)
        if (Exit.isSuccess(exit)) {
          expect(exit.value.metrics.validation).not.toHaveProperty("pairwiseApgr")
          expect(JSON.stringify(exit.value.metrics.validation)).toContain("no pair of models differs")
        }
      })
  )

  it.effect("identical prompts count once: a clear error, not a solver crash", () =>
    Effect.gen(function* () {
      const dir = scratch("train-dup-")
      const data = write(
        dir,
        Array.from({ length: 40 }, (_, i) => ({ prompt: "same prompt", scores: { a: i % 10, b: 3 } }))
      )
      const exit = yield* run(data, dir)
      expect(failure(exit)).toMatchObject({ _tag: "TrainError", reason: "InvalidData" })
      expect(failure(exit)?.message).toContain("(1 distinct)")
    })
  )

  it.effect("a --strong or --weak model the data never scores, or the same model twice", () =>
    Effect.gen(function* () {
      const dir = scratch("train-models-")
      const data = write(
        dir,
        Array.from({ length: 20 }, (_, i) => ({ prompt: `prompt ${i}`, scores: { a: i % 7 } }))
      )
      expect(failure(yield* run(data, dir))?.message).toContain('--weak model "b" is not scored anywhere')
      expect(failure(yield* run(data, dir, { weakModel: "a" }))?.message).toContain(
        '--strong and --weak both name "a"'
      )
      expect(existsSync(join(dir, "out"))).toBe(false)
    })
  )

  it.effect("all-identical scores leave nothing to learn", () =>
    Effect.gen(function* () {
      const dir = scratch("train-flat-")
      const data = write(
        dir,
        Array.from({ length: 20 }, (_, i) => ({ prompt: `prompt ${i}`, scores: { a: 5, b: 5 } }))
      )
      expect(failure(yield* run(data, dir))?.message).toContain("every score in")
    })
  )

  it.effect("scores so large that training overflows fail the run and write no weights", () =>
    Effect.gen(function* () {
      const dir = scratch("train-overflow-")
      const data = write(
        dir,
        Array.from({ length: 20 }, (_, i) => ({
          prompt: `prompt ${i}`,
          scores: { a: i % 2 ? 1e308 : -1e308, b: i }
        }))
      )
      const error = failure(yield* run(data, dir))
      expect(error).toMatchObject({ _tag: "TrainError", reason: "Failed" })
      expect(error?.message).toContain("NaN or infinite parameter (model.")
      expect(existsSync(join(dir, "out"))).toBe(false)
    })
  )

  it.effect("refuses an --output that would overwrite the training data", () =>
    Effect.gen(function* () {
      const dir = scratch("train-overwrite-")
      const data = write(dir, [{ prompt: "a", scores: { a: 1, b: 2 } }])
      const before = readFileSync(data, "utf8")
      expect(failure(yield* run(data, dir, { output: data }))?.message).toContain(
        "would overwrite the training data"
      )
      expect(readFileSync(data, "utf8")).toBe(before)
    })
  )
})

describe("weights files", () => {
  it.effect("an invalid manifest names the field; a tensor file passed as manifest says so", () =>
    Effect.gen(function* () {
      const dir = scratch("weights-bad-")
      writeFileSync(
        join(dir, "m.json"),
        JSON.stringify({ format: "effect-llm-router/weights@1", router: "mf", file: 3, tensors: {} })
      )
      const invalid = failure(yield* Effect.exit(Weights.loadWeights(join(dir, "m.json"))))
      expect(invalid?.message).toContain("file: Expected string, actual 3")
      expect(invalid?.message).not.toContain("readonly")
      writeFileSync(join(dir, "m.bin"), Buffer.from([0x9f, 0x26, 0x48, 0x3f]))
      const binary = failure(yield* Effect.exit(Weights.loadWeights(join(dir, "m.bin"))))
      expect(binary?.message).toContain("pass the .json manifest")
    })
  )

  it("an output folder that cannot be created fails at once (no endless mkdir under /proc)", () => {
    // In a child process: a synchronous endless loop would block this test's own timeout.
    const weights = fileURLToPath(new URL("../../src/routers/Weights.ts", import.meta.url))
    const program = [
      'import { Effect } from "effect"',
      `import * as Weights from ${JSON.stringify(weights)}`,
      'const save = Weights.saveWeights("/proc/llm-router-test-missing/w.json", { router: "mf" }, [',
      '  { name: "x", shape: [1], data: [1] }',
      "])",
      "Effect.runPromise(Effect.flip(save)).then((error) => console.log(error.message))"
    ].join("\n")
    const output = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program], {
      encoding: "utf8",
      timeout: 20_000
    })
    expect(output).toContain("cannot write weights to /proc/llm-router-test-missing/w.json")
  })

  it.effect("a classifier is saved into a folder that does not exist yet", () =>
    Effect.gen(function* () {
      const dir = scratch("classifier-save-")
      const path = join(dir, "new", "folder", "c.json")
      yield* ClassifierRouter.save(path, { weights: [0.5, -0.5], bias: 0 }, { embedder: "hashing-2" })
      expect(existsSync(join(dir, "new", "folder", "c.onnx"))).toBe(true)
      expect(existsSync(path)).toBe(true)
    })
  )
})

describe("router flags", () => {
  it.effect("--embedder spelled as the shipped mf's embedder is accepted; another embedder is not", () =>
    Effect.gen(function* () {
      const router = yield* makeRouter("mf", { embedder: "static+hashing" })
      const rate = yield* router.winRate("Prove that there are infinitely many primes")
      expect(rate).toBeGreaterThanOrEqual(0)
      expect(rate).toBeLessThanOrEqual(1)
      const other = failure(yield* Effect.exit(makeRouter("mf", { embedder: "hashing" })))
      expect(other?.message).toContain("trained with embedder")
    })
  )

  it.effect("an untrained router given weights or an embedder says so instead of ignoring them", () =>
    Effect.gen(function* () {
      for (const name of ["random", "token-count", "keyword"]) {
        const error = failure(yield* Effect.exit(makeRouter(name, { weights: "mf.json" })))
        expect(error).toMatchObject({ _tag: "RouterError", reason: "InvalidInput" })
        expect(error?.message).toContain("reads no weights and no embedder")
      }
    })
  )
})
