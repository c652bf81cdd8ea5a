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
const serve = (
  file: string,
  until?: RegExp,
  extra: { readonly args?: ReadonlyArray<string>; readonly env?: Record<string, string> } = {}
) =>
  new Promise<{ readonly output: string; readonly code: number | null }>((resolve, reject) => {
    const args = ["bin/llm-router.js", "serve", "--config", file, "--port", "0", ...(extra.args ?? [])]
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: {
        ...process.env,
        SERVE_TEST_UNSET_KEY: "",
        SERVE_TEST_SET_KEY: "sk-serve-test-secret-value",
        ...extra.env
      }
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

  it("refuses a --redis value that is not a Redis URL instead of starting on local state", async () => {
    const { code, output } = await serve(configFile(""), undefined, { args: ["--redis", "notaurl"] })
    expect(code).toBe(2)
    expect(output).toContain("--redis: expected a redis:// or rediss:// URL")
    expect(output).toContain("the value given is not shown")
    const secret = await serve(configFile(""), undefined, { args: ["--redis", "user:sk-redis-pw@host"] })
    expect(secret.code).toBe(2)
    expect(secret.output).not.toContain("sk-redis-pw")
  }, 70_000)

  it("refuses a malformed OTLP endpoint or header list, and never logs the endpoint's credentials", async () => {
    const endpoint = await serve(configFile(""), undefined, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }
    })
    expect(endpoint.code).toBe(2)
    expect(endpoint.output).toContain("OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL")
    const headers = await serve(configFile(""), undefined, {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
        OTEL_EXPORTER_OTLP_HEADERS: "sk-header-secret"
      }
    })
    expect(headers.code).toBe(2)
    expect(headers.output).toContain("OTEL_EXPORTER_OTLP_HEADERS: pair 1 of 1 is not key=value")
    expect(headers.output).not.toContain("sk-header-secret")
    const started = await serve(configFile(""), /Listening on/, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://u:sk-otlp-secret@127.0.0.1:9" }
    })
    expect(started.output).toContain("exporting traces over OTLP")
    expect(started.output).toContain("http://***@127.0.0.1:9")
    expect(started.output).not.toContain("sk-otlp-secret")
    // Without a scheme, or with a token in the query string: still masked.
    for (const endpoint of ["user:sk-otlp-secret@collector:4318", "https://c:4318?api_key=sk-otlp-secret"]) {
      const refused = await serve(configFile(""), /Listening on/, {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }
      })
      expect(refused.output).not.toContain("sk-otlp-secret")
    }
  }, 70_000)
})
