import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { heldOutWarning } from "../../src/cli/commands/score.ts"
import { defaultWeightsPath } from "../../src/routers/RouterRegistry.ts"

describe("score: a note for weights that route worse than random on held-out data", () => {
  it("notes the shipped weights whose manifest records a held-out APGR below 0.5, and only those", () => {
    const note = heldOutWarning(defaultWeightsPath("sw_ranking"))
    expect(note).toMatch(
      /these sw_ranking weights .* score APGR 0\.\d{3} on mt-bench \(held-out\), below random/
    )
    expect(heldOutWarning(defaultWeightsPath("mf"))).toBeUndefined()
    expect(heldOutWarning(defaultWeightsPath("knn_ridge"))).toBeUndefined()
    expect(heldOutWarning(path.join(os.tmpdir(), "no-such-weights.json"))).toBeUndefined()
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "held-out-"))
    const write = (name: string, metrics: unknown) => {
      fs.writeFileSync(path.join(dir, name), JSON.stringify({ router: "knn", metrics }))
      return path.join(dir, name)
    }
    expect(
      heldOutWarning(write("good.json", { "mt-bench (held-out)": { apgrRouteLLM: 0.7 } }))
    ).toBeUndefined()
    // An in-sample figure below 0.5 is not a held-out one.
    expect(heldOutWarning(write("train.json", { training: { apgrRouteLLM: 0.4 } }))).toBeUndefined()
    expect(heldOutWarning(write("bad.json", { "x (held-out)": { apgrRouteLLM: 0.45 } }))).toContain("0.450")
    fs.writeFileSync(path.join(dir, "broken.json"), "{")
    expect(heldOutWarning(path.join(dir, "broken.json"))).toBeUndefined()
  })
})
