/**
 * `llm-router serve` start-up checks, through the real command line: errors in the config's
 * `server` section name the file, and deployments whose key variable is unset are warned about
 * (by name, never by value) while the server still starts.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const root = path.resolve(__dirname, "../..")

const configFile = (server: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "serve-command-"))
  const file = path.join(dir, "router.yaml")
  fs.writeFileSync(
    file,
    [
      "version: 1",
      "deployments:",
      "  - { id: a@x, provider: openai-compatible, model: a, baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: SERVE_TEST_UNSET_KEY }",
      "  - { id: b@x, provider: openai-compatible, model: b, baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: SERVE_TEST_SET_KEY }",
      "routes:",
      "  main: { fallback: [a@x, b@x] }",
      server
    ].join("\n")
  )
  return file
}

/** Runs `serve` until it prints `until` (then stops it) or exits; resolves with its output and exit code. */
const serve = (file: string, until?: RegExp) =>
  new Promise<{ readonly output: string; readonly code: number | null }>((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/llm-router.js", "serve", "--config", file, "--port", "0"], {
      cwd: root,
      env: { ...process.env, SERVE_TEST_UNSET_KEY: "", SERVE_TEST_SET_KEY: "sk-serve-test-secret-value" }
    })
    let output = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`serve did not finish in time; output so far:\n${output}`))
    }, 60_000)
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      if (until !== undefined && until.test(output)) child.kill("SIGTERM")
    }
    child.stdout.on("data", collect)
    child.stderr.on("data", collect)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ output, code })
    })
  })

describe("llm-router serve: start-up checks", () => {
  it("names the config file in an error of its server section, and exits with the config error code", async () => {
    const file = configFile("server:\n  maxBodyBytes: -1\n")
    const { code, output } = await serve(file)
    expect(code).toBe(2)
    expect(output).toContain(`${file}: server.maxBodyBytes`)
    expect(output).not.toMatch(/\n\s+at /)
  }, 70_000)

  it("warns about a deployment whose key variable is unset, by name, and still starts", async () => {
    const { output } = await serve(configFile(""), /Listening on/)
    expect(output).toMatch(/deployment a@x: the environment variable SERVE_TEST_UNSET_KEY is not set/)
    expect(output).not.toContain("deployment b@x: the environment variable")
    expect(output).not.toContain("sk-serve-test-secret-value")
    expect(output).toContain("Listening on")
  }, 70_000)
})
