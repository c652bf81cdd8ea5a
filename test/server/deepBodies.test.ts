/**
 * Bodies nested far deeper than any request needs (a 10 KB body can nest 5000 levels) are refused
 * right after parsing, with a 400 naming where: nothing recursive walks them, no upstream is called,
 * and no deployment's health suffers for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "./harness.ts"
import { apiKey, apiKeyEnv, start } from "./harness.ts"

let running: Running
beforeAll(async () => {
  running = await start({ apiKeyEnvs: [apiKeyEnv] })
})
afterAll(() => running.close())

/** `[[[...]]]` nested `depth` levels, as text (building it as a value would need the recursion). */
const nestedArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`

const messages = JSON.stringify([{ role: "user", content: "hi" }])

const post = async (path: string, body: string) => {
  const response = await fetch(`${running.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    json: JSON.parse(text) as {
      error: { message: string; type: string; param: string | null; code: string | null }
    }
  }
}

describe("a body nested deeper than 100 levels", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["an unknown top-level field", `"x":${nestedArrays(5000)}`, "x[0]"],
    ["metadata", `"metadata":${nestedObjects(5000)}`, "metadata.a"],
    ["temperature", `"temperature":${nestedArrays(5000)}`, "temperature[0]"],
    [
      "a tool's parameters",
      `"tools":[{"type":"function","function":{"name":"f","parameters":${nestedObjects(5000)}}}]`,
      "tools[0].function.parameters.a"
    ]
  ]

  it.each(cases)(
    "in %s is refused with a 400 naming where, on both endpoints",
    async (_where, field, param) => {
      for (const path of ["/chat/completions", "/route"]) {
        for (const stream of [false, true]) {
          const body = `{"model":"weak","stream":${stream},"messages":${messages},${field}}`
          const response = await post(path, body)
          expect(response.status).toBe(400)
          expect(response.json.error.type).toBe("invalid_request_error")
          expect(response.json.error.code).toBe("invalid_json")
          expect(response.json.error.param?.startsWith(param)).toBe(true)
          expect(response.json.error.message).toContain("deeper than 100 levels")
          expect(response.json.error.message).toContain(`$.${param}`)
        }
      }
    }
  )

  it("calls no upstream and leaves the deployment healthy", async () => {
    const before = running.upstream.requests("weak-model")
    for (let i = 0; i < 5; i++) {
      const response = await post(
        "/chat/completions",
        `{"model":"weak","messages":${messages},"x":${nestedArrays(5000)}}`
      )
      expect(response.status).toBe(400)
    }
    expect(running.upstream.requests("weak-model")).toBe(before)
    // The route's only deployment is not cooling down: a normal request is answered at once.
    const normal = await post("/chat/completions", `{"model":"weak","messages":${messages}}`)
    expect(normal.status).toBe(200)
    expect(normal.headers.get("x-router-deployment")).toBe("weak@fake")
    expect(normal.headers.get("x-router-attempts")).toBe("1")
  })

  it("is accepted up to the limit", async () => {
    // 100 levels in all: the body object and 99 in an unknown field (passed through upstream).
    const atLimit = await post("/route", `{"model":"weak","messages":${messages},"x":${nestedObjects(99)}}`)
    expect(atLimit.status).toBe(200)
    const overLimit = await post(
      "/route",
      `{"model":"weak","messages":${messages},"x":${nestedObjects(100)}}`
    )
    expect(overLimit.status).toBe(400)
    // A long path is shortened.
    expect(overLimit.json.error.param).toMatch(/^x(\.a)+\.\.\.$/)
  })
})
