import { describe, expect, it } from "@effect/vitest"
import { MAX_JSON_DEPTH, tooDeep } from "../../src/core/JsonDepth.ts"

const nested = (depth: number): unknown => JSON.parse("[".repeat(depth) + "]".repeat(depth))

describe("JsonDepth.tooDeep", () => {
  it("finds the first value past the limit and names its path", () => {
    expect(tooDeep({ a: [[1]] }, 2)).toBe("$.a[0]")
    expect(tooDeep({ a: [1] }, 2)).toBeUndefined()
    expect(tooDeep({ "x y": { b: [0, { c: {} }] } }, 3)).toBe('$["x y"].b[1]')
    expect(tooDeep("text", 0)).toBeUndefined()
    expect(tooDeep(null, 0)).toBeUndefined()
  })

  it("counts the top level as depth 1, at the default limit and one past it", () => {
    expect(tooDeep(nested(MAX_JSON_DEPTH))).toBeUndefined()
    expect(tooDeep(nested(MAX_JSON_DEPTH + 1))).toMatch(/^\$(\[0\])+/)
  })

  it("walks thousands of levels without recursion and shortens a long path", () => {
    const path = tooDeep(nested(100_000))
    expect(path).toBeDefined()
    expect(path!.length).toBeLessThanOrEqual(80)
    expect(path!.endsWith("...")).toBe(true)
  })
})
