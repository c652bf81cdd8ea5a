/**
 * `llm-router route` through the real command line: route names as the server accepts them, an
 * unknown name as bad input (exit 2, not "no route available"), and the config checked as `serve`
 * checks it.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { root, runCli } from "./runCli.ts"

const config = "examples/router.config.yaml"

const route = (...args: ReadonlyArray<string>) => runCli(["route", ...args])

describe("llm-router route", () => {
  it("plans a RouteLLM-style name as the server does; an unknown name or threshold is bad input", () => {
    const routellm = route("--config", config, "--route", "router-mf-0.5", "Prove that √2 is irrational")
    expect(routellm.status).toBe(0)
    expect(routellm.stdout).toContain("route: router-mf-0.5")
    expect(routellm.stdout).toMatch(/mf win rate 0\.\d+ (>=|<) threshold 0\.5/)
    const unknown = route("--config", config, "--route", "ghost", "hi")
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain(
      "--route: unknown route 'ghost': the router serves strong, weak, main, adaptive"
    )
    const threshold = route("--config", config, "--route", "router-mf-7", "hi")
    expect(threshold.status).toBe(2)
    expect(threshold.stderr).toContain("threshold 7 in 'router-mf-7' is not between 0 and 1")
  }, 120_000)

  it("refuses a config whose server section serve would refuse, naming the file and the field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "route-command-"))
    const file = path.join(dir, "router.yaml")
    fs.writeFileSync(
      file,
      `${fs.readFileSync(path.join(root, config), "utf8")}\nserver:\n  maxBodyBytes: "1MB"\n`
    )
    const result = route("--config", file, "hi")
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(`${file}: server.maxBodyBytes: Expected number, actual "1MB"`)
    // apiKeyEnvs are read from the environment only by serve: planning needs no key.
    fs.writeFileSync(
      file,
      `${fs.readFileSync(path.join(root, config), "utf8")}\nserver:\n  apiKeyEnvs: [ROUTE_TEST_UNSET_KEY]\n`
    )
    expect(route("--config", file, "hi").status).toBe(0)
  }, 120_000)
})
