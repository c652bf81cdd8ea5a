import { describe, expect, it } from "vitest"
import { progress } from "../../src/cli/progress.ts"

const recorder = (isTTY: boolean) => {
  const writes: Array<string> = []
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } }
}

describe("progress on stderr", () => {
  it("in a log (not a terminal): one whole line per tenth of the work and one at the end", () => {
    const { stream, writes } = recorder(false)
    for (let done = 1; done <= 333; done++) progress("scored", done, 333, { redrawEvery: 50, stream })
    expect(writes.every((line) => line.endsWith("\n") && !line.includes("\r"))).toBe(true)
    expect(writes.length).toBe(10) // 34, 68, ..., 306 and 333
    expect(writes[writes.length - 1]).toBe(`scored [${"#".repeat(30)}] 333/333\n`)
  })

  it("on a terminal: redrawn in place every `redrawEvery` units, ending with a newline", () => {
    const { stream, writes } = recorder(true)
    for (let done = 1; done <= 120; done++) progress("", done, 120, { redrawEvery: 50, stream })
    expect(writes).toEqual([
      `\r[${"#".repeat(13)}${"-".repeat(17)}] 50/120`,
      `\r[${"#".repeat(25)}${"-".repeat(5)}] 100/120`,
      `\r[${"#".repeat(30)}] 120/120\n`
    ])
  })

  it("an empty run is reported as complete", () => {
    const { stream, writes } = recorder(false)
    progress("embedding", 0, 0, { stream })
    expect(writes).toEqual([`embedding [${"#".repeat(30)}] 0/0\n`])
  })
})
