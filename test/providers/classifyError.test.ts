import { describe, expect, it } from "@effect/vitest"
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai"
import { classifyError, maskSecrets, retryAfterMs } from "../../src/providers/classifyError.ts"

const apiError = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: body }, undefined, new Headers(headers))
const kind = (error: unknown) =>
  classifyError(error, { deployment: "d", timeoutMs: 1_000, nowMs: Date.parse("2026-01-01T00:00:00Z") })._tag

describe("classifyError", () => {
  it("reads Retry-After in seconds, as an HTTP date, and retry-after-ms", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    expect(retryAfterMs(new Headers({ "retry-after": "3" }), now)).toBe(3_000)
    expect(retryAfterMs(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5_000)
    expect(retryAfterMs(new Headers({ "retry-after-ms": "120", "retry-after": "9" }), now)).toBe(120)
    expect(retryAfterMs(new Headers({}), now)).toBeUndefined()
  })

  it.each([
    [400, { code: "context_length_exceeded", message: "too long" }],
    [400, { message: "This model's maximum context length is 4097 tokens" }],
    [400, { message: "prompt is too long: 210000 tokens > 200000 maximum" }],
    [413, { message: "Too many tokens in the request" }],
    [422, { message: "Input is too long for requested model." }]
  ])("recognises context-window errors (%i %j)", (status, body) => {
    expect(kind(apiError(status, body))).toBe("ContextWindowExceeded")
  })

  it.each([
    [400, { code: "content_filter", message: "filtered" }, "ContentFiltered"],
    [400, { message: "Your request was rejected as a result of our safety system." }, "ContentFiltered"],
    [400, { message: "Invalid value for 'temperature'." }, "InvalidRequest"],
    [404, { message: "model not found" }, "InvalidRequest"],
    [422, { message: "unprocessable" }, "InvalidRequest"],
    [401, { message: "bad key" }, "AuthFailed"],
    [403, { message: "forbidden" }, "AuthFailed"],
    [429, { message: "slow down" }, "RateLimited"],
    [500, { message: "oops" }, "Unavailable"],
    [502, { message: "bad gateway" }, "Unavailable"],
    [503, { message: "overloaded" }, "Unavailable"],
    [408, { message: "timeout" }, "Timeout"]
  ])("maps %i %j to %s", (status, body, expected) => {
    expect(kind(apiError(status, body))).toBe(expected)
  })

  it("maps connection failures, timeouts and bad JSON", () => {
    expect(
      kind(
        new APIConnectionError({
          cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })
        })
      )
    ).toBe("Unavailable")
    expect(kind(new APIConnectionTimeoutError())).toBe("Timeout")
    expect(kind(new SyntaxError("Unexpected end of JSON input"))).toBe("MalformedResponse")
  })

  it("never lets a key through: masked by shape and by value", () => {
    const failure = classifyError(
      apiError(401, {
        message: "Incorrect API key provided: sk-proj-abcdef123456. And key2 custom-secret-value"
      }),
      {
        deployment: "d",
        secret: "custom-secret-value"
      }
    )
    const text = JSON.stringify({ message: failure.message, cause: failure.cause })
    expect(text).not.toContain("sk-proj-abcdef123456")
    expect(text).not.toContain("custom-secret-value")
    expect(maskSecrets("Authorization: Bearer abc.def")).toBe("Authorization: Bearer ***")
  })
})
