/**
 * `llm-router bench` argument checks through the real command line (exit 2 with the option named,
 * before any benchmark runs), and the tsx loader of benchmark child processes, which must not
 * depend on the working directory.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { tsxArgs } from "../../bench/childProcess.ts"
import { runCli } from "./runCli.ts"

const bench = (...args: ReadonlyArray<string>) => runCli(["bench", ...args])

describe("llm-router bench", () => {
  it("refuses bad --rates and unknown --benchmarks with exit 2, naming the option", () => {
    for (const rates of ["abc", "-1", "100,,500"]) {
      const result = bench("overhead", "--rates", rates)
      expect(result.status).toBe(2)
      expect(result.stderr + result.stdout).toContain(
        `--rates must be comma-separated positive request rates such as 100,500, got "${rates}"`
      )
    }
    const unknown = bench("quality", "--benchmarks", "mt-bench,bogus")
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain("--benchmarks: unknown benchmark(s) bogus; choose among")
  }, 120_000)

  it("runs a TypeScript child process from outside the repository", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsx-args-"))
    const file = path.join(dir, "child.ts")
    fs.writeFileSync(file, "const answer: number = 42\nconsole.log(`child ${answer}`)\n")
    const result = spawnSync(process.execPath, [...tsxArgs(file)], {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000
    })
    expect(result.stderr).toBe("")
    expect(result.stdout.trim()).toBe("child 42")
  }, 60_000)
})
