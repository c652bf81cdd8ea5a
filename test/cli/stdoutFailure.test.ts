/**
 * A command whose standard output cannot be written (here /dev/full: every write fails with
 * ENOSPC) exits with code 2 and says so on stderr, instead of exiting 0 with its output lost.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { runCli } from "./runCli.ts"

const runInto = (target: string, args: ReadonlyArray<string>) => {
  const out = fs.openSync(target, "w")
  try {
    return runCli(args, { stdio: ["ignore", out, "pipe"] })
  } finally {
    fs.closeSync(out)
  }
}

// Linux only: other systems have no /dev/full to write into.
describe.runIf(fs.existsSync("/dev/full"))("standard output that cannot be written", () => {
  it("route and calibrate exit 2 with a message; the same commands succeed into a file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stdout-failure-"))
    const prompts = path.join(dir, "prompts.jsonl")
    fs.writeFileSync(
      prompts,
      '{"prompt":"hello"}\n{"prompt":"Prove that there are infinitely many primes"}\n'
    )
    const commands = [
      ["route", "--config", "examples/router.config.yaml", "hello"],
      ["calibrate", "--router", "mf", "--input", prompts]
    ]
    for (const args of commands) {
      const failed = runInto("/dev/full", args)
      expect(failed.status).toBe(2)
      expect(failed.stderr).toContain("cannot write standard output (ENOSPC)")
      const ok = runInto(path.join(dir, "out.txt"), args)
      expect(ok.status).toBe(0)
      expect(fs.readFileSync(path.join(dir, "out.txt"), "utf8").length).toBeGreaterThan(0)
    }
  }, 120_000)
})
