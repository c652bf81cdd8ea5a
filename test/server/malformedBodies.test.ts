/**
 * Property: whatever a client sends — random JSON, valid requests with fields of the wrong type,
 * huge strings, invalid UTF-8, wrong content types — the router never answers with a 5xx of its
 * own, and every 4xx is an OpenAI-style error body. Thousands of cases against the in-process
 * handler (same endpoints, no socket: fast on a busy machine), and hundreds over the real socket.
 * Valid bodies still reach the real fake upstream.
 */
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { InProcess, Running } from "./harness.ts"
import { apiKey, start, startInProcess } from "./harness.ts"

const maxBodyBytes = 8192

let running: Running
let inProcess: InProcess
beforeAll(async () => {
  running = await start({ apiKeyEnvs: ["LLM_ROUTER_TEST_KEY"], maxBodyBytes })
  inProcess = await startInProcess({ apiKeyEnvs: ["LLM_ROUTER_TEST_KEY"], maxBodyBytes })
})
afterAll(async () => {
  await running.close()
  await inProcess.close()
})

const anyJson = fc.jsonValue({ maxDepth: 3 })
const roles = fc.oneof(fc.constantFrom("system", "developer", "user", "assistant", "tool"), anyJson)
// Only routes whose upstreams answer: a 5xx would then be the router's own.
const models = fc.oneof(
  fc.constantFrom("weak", "strong", "quality", "router-prompt-0.5", "router-prompt-7", "nope", ""),
  anyJson
)
const contentParts = fc.array(
  fc.record(
    { type: fc.oneof(fc.constantFrom("text", "image_url"), anyJson), text: anyJson, image_url: anyJson },
    { requiredKeys: ["type"] }
  ),
  { maxLength: 3 }
)
const messages = fc.oneof(
  fc.array(
    fc.record(
      {
        role: roles,
        content: fc.oneof(fc.string({ maxLength: 40 }), contentParts, anyJson),
        name: anyJson,
        tool_calls: anyJson,
        tool_call_id: anyJson
      },
      { requiredKeys: ["role"] }
    ),
    { maxLength: 3 }
  ),
  anyJson
)
const fields = fc.record(
  {
    stream: fc.oneof(fc.boolean(), anyJson),
    stream_options: anyJson,
    temperature: fc.oneof(fc.double(), anyJson),
    top_p: fc.oneof(fc.double(), anyJson),
    max_tokens: fc.oneof(fc.integer(), anyJson),
    max_completion_tokens: fc.oneof(fc.integer(), anyJson),
    n: fc.oneof(fc.integer({ min: -2, max: 3 }), anyJson),
    stop: anyJson,
    tools: anyJson,
    tool_choice: anyJson,
    response_format: anyJson,
    metadata: anyJson,
    user: anyJson
  },
  { requiredKeys: [] }
)

/** Almost-valid requests: the right shape, with any field possibly of the wrong type. */
const requestLike = fc.oneof(
  fc
    .record({ model: models, messages, extra: fields }, { requiredKeys: [] })
    .map(({ extra, ...rest }) => JSON.stringify({ ...rest, ...extra })),
  // Valid messages, so the model name and the optional fields decide.
  fc
    .record({ model: models, content: fc.string({ maxLength: 30 }), extra: fields })
    .map(({ content, extra, model }) =>
      JSON.stringify({ model, messages: [{ role: "user", content }], ...extra })
    ),
  // Everything valid but the model name, which may name nothing.
  fc
    .record({ model: fc.oneof(models, fc.string({ maxLength: 20 })), content: fc.string({ maxLength: 30 }) })
    .map(({ content, model }) => JSON.stringify({ model, messages: [{ role: "user", content }] }))
)

const encoder = new TextEncoder()
const bodies: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 5, arbitrary: requestLike.map((text) => encoder.encode(text)) },
  { weight: 2, arbitrary: anyJson.map((value) => encoder.encode(JSON.stringify(value))) },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 200, unit: "grapheme" }).map((text) => encoder.encode(text))
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  {
    weight: 1,
    // Valid JSON text with bytes that are not UTF-8 spliced in.
    arbitrary: fc
      .tuple(
        requestLike,
        fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => b.map((x) => x | 0x80)),
        fc.nat()
      )
      .map(([text, bad, at]) => {
        const bytes = encoder.encode(text)
        const cut = at % (bytes.length + 1)
        return Buffer.concat([bytes.subarray(0, cut), bad, bytes.subarray(cut)])
      })
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: maxBodyBytes - 200, max: maxBodyBytes * 3 })
      .map((size) =>
        encoder.encode(
          JSON.stringify({ model: "weak", messages: [{ role: "user", content: "x".repeat(size) }] })
        )
      )
  }
)

const contentTypes = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/vnd.api+json",
      ""
    )
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z/+;= -]{0,30}$/) }
)

type Send = (path: string, contentType: string, body: Uint8Array) => Promise<Response>

const checkNeverFivexx = async (send: Send, numRuns: number) => {
  const seen = new Map<number, number>()
  let upstreamFailures = 0
  await fc.assert(
    fc.asyncProperty(
      bodies,
      contentTypes,
      // The route-only endpoint decodes and plans the same way, without the upstream round trip.
      fc.constantFrom("/v1/chat/completions", "/v1/route", "/v1/route"),
      async (body, contentType, path) => {
        const response = await send(path, contentType, body)
        const text = await response.text()
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1)
        if (response.status >= 500) {
          // A 5xx is only acceptable when it is the upstream's: an upstream_error naming the
          // deployments that failed (the loopback fake upstream can drop a connection).
          const error = (JSON.parse(text) as { error: { type: string; failures?: Array<unknown> } }).error
          expect(error.type, text.slice(0, 300)).toBe("upstream_error")
          expect(error.failures?.length ?? 0, text.slice(0, 300)).toBeGreaterThan(0)
          upstreamFailures += 1
        }
        if (response.status >= 400) {
          const error = (JSON.parse(text) as { error: { message: unknown; type: unknown } }).error
          expect(typeof error.message).toBe("string")
          expect(typeof error.type).toBe("string")
          expect(text).not.toMatch(/\n\s+at /)
        }
      }
    ),
    { numRuns }
  )
  // Upstream hiccups must stay rare, or this test would stop testing the router.
  expect(upstreamFailures).toBeLessThan(numRuns / 100)
  return seen
}

describe("malformed bodies never get a 5xx from the router", () => {
  it("in process: 2,000 cases", async () => {
    const seen = await checkNeverFivexx(
      (path, contentType, body) =>
        inProcess.handler(
          new Request(`http://router${path}`, {
            method: "POST",
            headers: { "content-type": contentType, authorization: `Bearer ${apiKey}` },
            body
          })
        ),
      2000
    )
    // The generators reach every rejection path, and some bodies get through.
    for (const status of [200, 400, 404, 413, 415])
      expect(seen.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0)
  }, 120_000)

  it("over the real socket: 300 cases", async () => {
    const seen = await checkNeverFivexx(
      (path, contentType, body) =>
        fetch(`${running.origin}${path}`, {
          method: "POST",
          headers: { "content-type": contentType, authorization: `Bearer ${apiKey}` },
          body
        }),
      300
    )
    expect(seen.get(400) ?? 0).toBeGreaterThan(0)
  }, 120_000)
})
