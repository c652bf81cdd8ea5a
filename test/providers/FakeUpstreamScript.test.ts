import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chooseBehaviour, loadScript } from "../../src/providers/FakeUpstreamScript.ts"

const dir = mkdtempSync(join(tmpdir(), "fake-upstream-script-"))

describe("fake upstream scripts", () => {
  it.effect("loads and validates YAML and JSON", () =>
    Effect.gen(function* () {
      const yamlPath = join(dir, "script.yaml")
      writeFileSync(
        yamlPath,
        "seed: 3\nmodels:\n  flaky:\n    sequence: [rate_limit, ok]\n    latencyMs: { min: 5, max: 10 }\n"
      )
      const script = yield* loadScript(yamlPath)
      expect(script.models?.["flaky"]?.sequence).toEqual(["rate_limit", "ok"])
      const badPath = join(dir, "bad.json")
      writeFileSync(badPath, JSON.stringify({ models: { m: { sequence: ["explode"] } } }))
      const error = yield* Effect.flip(loadScript(badPath))
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toContain("explode")
    })
  )

  it("follows the sequence, then draws failures by probability", () => {
    const script = { sequence: ["hang" as const], failures: [{ kind: "reset" as const, probability: 0.5 }] }
    expect(chooseBehaviour(script, 0, () => 0.9).kind).toBe("hang")
    expect(chooseBehaviour(script, 1, () => 0.49).kind).toBe("reset")
    expect(chooseBehaviour(script, 1, () => 0.5).kind).toBe("ok")
  })
})
