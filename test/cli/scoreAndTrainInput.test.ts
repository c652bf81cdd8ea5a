/**
 * Input files of `score`, `calibrate` and `train` that must be refused naming their line (or read
 * exactly): deep nesting, empty routed text, invalid UTF-8, blank lines, big integers.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { calibrate } from "../../src/cli/commands/calibrate.ts"
import { parseInput, score } from "../../src/cli/commands/score.ts"
import { parseTrainingData, train } from "../../src/cli/commands/train.ts"
import * as JsonLines from "../../src/evaluation/JsonLines.ts"

const failure = <E>(exit: Exit.Exit<unknown, E>): E | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

const scratch = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

const deep = (levels: number) => "[".repeat(levels) + "]".repeat(levels)

const parseError = (text: string) => {
  const parsed = parseInput(text)
  return Either.isLeft(parsed) ? parsed.left : undefined
}

describe("score input lines", () => {
  it("refuses values nested too deep, naming the line and where, instead of overflowing the stack", () => {
    for (const [text, at] of [
      [`{"prompt":"a"}\n{"prompt":${deep(5000)}}\n`, "$.prompt[0]"],
      [`{"prompt":"a"}\n{"prompt":"hi","extra":${deep(5000)}}\n`, "$.extra[0]"]
    ] as const) {
      const error = parseError(text)
      expect(error).toMatchObject({ _tag: "ScoreError", reason: "InvalidLine", line: 2 })
      expect(error?.message).toContain(`line 2: nested deeper than 100 levels at ${at}`)
    }
    // 100 levels (the object and 99 arrays) are fine.
    expect(Either.isRight(parseInput(`{"prompt":"hi","extra":${deep(99)}}`))).toBe(true)
  })

  it("refuses an empty text to route, saying what is empty", () => {
    for (const [line, expected] of [
      ['{"prompt":""}', "line 2: prompt: must be a non-empty string"],
      ['{"prompt":"  \\n\\t"}', "line 2: prompt: must be a non-empty string"],
      ['{"messages":[{"role":"user"}]}', 'line 2: the last user turn of "messages" has no text'],
      ['{"messages":[{"role":"user","content":null}]}', "has no text"],
      ['{"messages":[{"role":"user","content":[]}]}', "has no text"],
      ['{"messages":[{"role":"user","content":"  "}]}', "has no text"],
      [
        '{"messages":[{"role":"user","content":"earlier"},{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}',
        "only images"
      ]
    ] as const) {
      const error = parseError(`{"prompt":"fine"}\n${line}\n`)
      expect(error?.line).toBe(2)
      expect(error?.message).toContain(expected)
    }
  })

  it("ignores blank or whitespace-only lines at the end of the file, not in the middle", () => {
    const parsed = parseInput('{"prompt":"a"}\n{"prompt":"b"}\n\n  \r\n\t\n')
    expect(Either.isRight(parsed) && parsed.right.map((line) => line.prompt)).toEqual(["a", "b"])
    expect(parseError('{"prompt":"a"}\n  \n{"prompt":"b"}\n')?.message).toContain("line 2: blank line")
  })

  it("says why a line is not JSON", () => {
    const error = parseError('{"prompt":"a"}\n{"prompt":"b",}\n')
    expect(error?.message).toMatch(/^line 2: not valid JSON \(.+\)$/)
    // A long parser message is trimmed.
    const long = parseError(`{"prompt":"${"x".repeat(5000)}`)
    expect(long?.message.length).toBeLessThan(300)
  })
})

describe("score files", () => {
  const run = (dir: string, input: string | Uint8Array) => {
    const path = join(dir, "in.jsonl")
    writeFileSync(path, input)
    return Effect.exit(
      score({ router: "keyword", input: path, output: join(dir, "out.jsonl"), onProgress: () => undefined })
    )
  }

  it.effect("invalid UTF-8 fails naming its line instead of scoring U+FFFD", () =>
    Effect.gen(function* () {
      const dir = scratch("score-utf8-")
      const bytes = Buffer.concat([
        Buffer.from('{"prompt":"fine"}\n{"prompt":"caf\u00e9"}\n{"prompt":"a'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(' b"}\n')
      ])
      const error = failure(yield* run(dir, bytes))
      expect(error).toMatchObject({ _tag: "ScoreError", reason: "InvalidLine", line: 3 })
      expect(error?.message).toContain("line 3: not valid UTF-8")
      expect(existsSync(join(dir, "out.jsonl"))).toBe(false)
    })
  )

  it.effect("calibrate reads its sample the same way", () =>
    Effect.gen(function* () {
      const dir = scratch("calibrate-utf8-")
      const path = join(dir, "in.jsonl")
      writeFileSync(path, Buffer.concat([Buffer.from('{"prompt":"a\n'), Buffer.from([0xc3, 0x28, 0x0a])]))
      const error = failure(
        yield* Effect.exit(calibrate({ router: "keyword", input: path, strongFraction: 0.5 }))
      )
      expect(error?.message).toContain("line 2: not valid UTF-8")
    })
  )

  it.effect("other fields come out exactly as written: integers beyond 2^53 keep their digits", () =>
    Effect.gen(function* () {
      const dir = scratch("score-verbatim-")
      const exit = yield* run(
        dir,
        [
          '{"id":12345678901234567890,"prompt":"hello", "n": 1.0e2}',
          '{"messages":[{"role":"user","content":"prove it"}],"id":98765432109876543210}',
          '{"prompt":"again","winRate":"stale","tags":["a",{"winRate":1}]}',
          ""
        ].join("\n")
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const lines = readFileSync(join(dir, "out.jsonl"), "utf8").trimEnd().split("\n")
      expect(lines).toHaveLength(3)
      expect(lines[0]).toMatch(
        /^\{"id":12345678901234567890,"prompt":"hello", "n": 1\.0e2,"winRate":[\d.e-]+\}$/
      )
      expect(lines[1]).toMatch(
        /^\{"messages":\[\{"role":"user","content":"prove it"\}\],"id":98765432109876543210,"prompt":"prove it","winRate":[\d.e-]+\}$/
      )
      // An existing top-level winRate is replaced in place; a nested one is left alone.
      const third = JSON.parse(lines[2]!) as { winRate: number; tags: [string, { winRate: number }] }
      expect(typeof third.winRate).toBe("number")
      expect(lines[2]).toContain('"tags":["a",{"winRate":1}]')
      expect(Object.keys(third)).toEqual(["prompt", "winRate", "tags"])
    })
  )
})

describe("JsonLines.setMembers", () => {
  it("edits the text of an object line, appending new members and replacing existing ones", () => {
    expect(JsonLines.setMembers('{ "a" : [1, "}", {"b": 2}] , "w" : null }  ', { w: 0.5, p: "x" })).toBe(
      '{ "a" : [1, "}", {"b": 2}] , "w" : 0.5 ,"p":"x"}'
    )
    expect(JsonLines.setMembers('{"\\u0077":1,"q":"\\"w\\""}', { w: 2 })).toBe('{"\\u0077":2,"q":"\\"w\\""}')
  })
})

describe("train data", () => {
  it("refuses values nested too deep, naming the line", () => {
    const parsed = parseTrainingData(
      `{"prompt":"a","scores":{"x":1}}\n\n{"prompt":"b","scores":{"x":1},"extra":${deep(5000)}}\n`
    )
    expect(Either.isLeft(parsed) && parsed.left.message).toContain(
      "line 3: nested deeper than 100 levels at $.extra[0]"
    )
    const prompt = parseTrainingData(`{"prompt":${deep(5000)},"scores":{"x":1}}`)
    expect(Either.isLeft(prompt) && prompt.left.message).toContain(
      "line 1: nested deeper than 100 levels at $.prompt"
    )
  })

  const options = (data: string, output: string) => ({
    data,
    router: "mf",
    embedder: "hashing-16",
    output,
    strongModel: "a",
    weakModel: "b"
  })

  it.effect("invalid UTF-8 fails naming its line", () =>
    Effect.gen(function* () {
      const dir = scratch("train-utf8-")
      const data = join(dir, "data.jsonl")
      writeFileSync(
        data,
        Buffer.concat([
          Buffer.from('{"prompt":"fine","scores":{"a":1,"b":2}}\n\n{"prompt":"x'),
          Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate: invalid in UTF-8
          Buffer.from('","scores":{"a":1,"b":2}}\n')
        ])
      )
      const error = failure(yield* Effect.exit(train(options(data, join(dir, "out.json")))))
      expect(error).toMatchObject({ _tag: "TrainError", reason: "InvalidData", line: 3 })
      expect(error?.message).toContain("line 3: not valid UTF-8")
    })
  )

  it.effect("an --output that is a directory fails before anything is written", () =>
    Effect.gen(function* () {
      const dir = scratch("train-outdir-")
      const data = join(dir, "data.jsonl")
      writeFileSync(
        data,
        Array.from({ length: 30 }, (_, i) =>
          JSON.stringify({ prompt: `question ${i} on topic ${i % 7}`, scores: { a: i % 5, b: (i * 3) % 5 } })
        ).join("\n")
      )
      for (const router of ["mf", "classifier"]) {
        const output = join(dir, `out-${router}`)
        mkdirSync(output)
        const error = failure(yield* Effect.exit(train({ ...options(data, output), router })))
        // InvalidOptions: refused up front, not after embedding and training ("Failed" at the save).
        expect(error).toMatchObject({ _tag: "TrainError", reason: "InvalidOptions" })
        expect(error?.message).toContain(`${output} is a directory`)
        expect(existsSync(`${output}.bin`)).toBe(false)
        expect(existsSync(`${output}.onnx`)).toBe(false)
      }
    })
  )

  it.effect("an oversized hashing dimension is refused with a clear error, not an out-of-memory kill", () =>
    Effect.gen(function* () {
      const dir = scratch("train-hashing-")
      const data = join(dir, "data.jsonl")
      writeFileSync(
        data,
        Array.from({ length: 20 }, (_, i) =>
          JSON.stringify({ prompt: `p ${i}`, scores: { a: i % 3, b: 1 } })
        ).join("\n")
      )
      const error = failure(
        yield* Effect.exit(train({ ...options(data, join(dir, "w.json")), embedder: "hashing-99999999" }))
      )
      expect(error).toMatchObject({ _tag: "TrainError", reason: "InvalidOptions" })
      expect(error?.message).toContain("dimension must be an integer from 1 to 65536, got 99999999")
    })
  )
})
