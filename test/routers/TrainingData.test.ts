import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseTrainingData } from "../../src/cli/commands/train.ts"

describe("parseTrainingData", () => {
  it("reads scored and preference lines, keeping an optional group", () => {
    const text = [
      '{"prompt":"a","scores":{"x":9,"y":4},"group":"math"}',
      "",
      '{"prompt":"b","model_a":"x","model_b":"y","winner":"model_b"}',
      '{"prompt":"c","model_a":"x","model_b":"y","winner":"tie","group":"chat"}'
    ].join("\n")
    const items = Either.getOrThrow(parseTrainingData(text))
    expect(items).toEqual([
      { id: "1", prompt: "a", scores: { x: 9, y: 4 }, group: "math" },
      { id: "3", prompt: "b", scores: { x: 0, y: 1 } },
      { id: "4", prompt: "c", scores: { x: 0.5, y: 0.5 }, group: "chat" }
    ])
  })

  it("names the first bad line, including a group that is not a string", () => {
    const text = ['{"prompt":"a","scores":{"x":1}}', '{"prompt":"b","scores":{"x":1},"group":7}'].join("\n")
    const result = parseTrainingData(text)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.line).toBe(2)
      expect(result.left.message).toContain("line 2")
    }
  })
})
