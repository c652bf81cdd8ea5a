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
    expect(writes.length).toBe(10) // 34, 67, 100, ..., 300 (each crosses a tenth) and 333
    expect(writes[writes.length - 1]).toBe(`scored [${"#".repeat(30)}] 333/333\n`)
  })

  it("in a log: a line whenever a report crosses a tenth, even when steps skip the exact multiples", () => {
    const { stream, writes } = recorder(false)
    // Embedding batches of 256: no report lands on a multiple of 100.
    for (const done of [256, 512, 768, 1000]) progress("embedding", done, 1000, { stream })
    expect(writes.map((line) => line.split("] ")[1])).toEqual([
      "256/1000\n",
      "512/1000\n",
      "768/1000\n",
      "1000/1000\n"
    ])
    // Steps within one tenth print nothing until the next crossing.
    writes.length = 0
    for (const done of [40, 80, 120, 160, 200]) progress("fitting", done, 1000, { stream })
    expect(writes.map((line) => line.split("] ")[1])).toEqual(["120/1000\n", "200/1000\n"])
  })

  it("a new bar (another label, total, or a restart) starts counting from zero", () => {
    const { stream, writes } = recorder(false)
    progress("a", 1000, 1000, { stream })
    progress("a", 150, 1000, { stream }) // restarted: crosses the first tenth again
    progress("b", 3, 5, { detail: "stage three", stream })
    expect(writes).toEqual([
      `a [${"#".repeat(30)}] 1000/1000\n`,
      `a [${"#".repeat(5)}${"-".repeat(25)}] 150/1000\n`,
      `b [${"#".repeat(18)}${"-".repeat(12)}] 3/5 stage three\n`
    ])
  })

  it("on a terminal: a detail clears the rest of the line", () => {
    const { stream, writes } = recorder(true)
    progress("fit", 1, 2, { detail: "x", stream })
    expect(writes).toEqual([`\rfit [${"#".repeat(15)}${"-".repeat(15)}] 1/2 x\x1b[K`])
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
