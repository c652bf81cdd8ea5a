/**
 * `llm-router fake-upstream` start-up errors through the real command line: a bad script names the
 * field (not a dump of the schema), a port in use says so; both exit 2.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { runCli } from "./runCli.ts"

const fakeUpstream = (...args: ReadonlyArray<string>) =>
  runCli(["fake-upstream", ...args], { timeoutMs: 30_000 })

describe("llm-router fake-upstream", () => {
  it("names the wrong field of a script in one line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-upstream-"))
    const script = path.join(dir, "script.yaml")
    fs.writeFileSync(script, "models:\n  m:\n    failures: [{ kind: rate_limit, probability: high }]\n")
    const result = fakeUpstream("--port", "0", "--script", script)
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(
      `invalid fake-upstream script ${script}: models.m.failures[0].probability`
    )
    expect(result.stderr.length).toBeLessThan(600)
  }, 60_000)

  it("says the port is in use", async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve))
    const { port } = blocker.address() as net.AddressInfo
    try {
      const result = fakeUpstream("--port", String(port))
      expect(result.status).toBe(2)
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`)
    } finally {
      blocker.close()
    }
  }, 60_000)
})
