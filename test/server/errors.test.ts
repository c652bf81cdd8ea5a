/**
 * Every error path of the router server, as the `openai` SDK and raw HTTP see it: OpenAI-style
 * error bodies with the right status, the bad field named, no stack traces, no keys.
 */
import { request as httpRequest } from "node:http"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "./harness.ts"
import { apiKey, apiKeyEnv, start } from "./harness.ts"

const maxBodyBytes = 4096

let running: Running
beforeAll(async () => {
  running = await start({ apiKeyEnvs: [apiKeyEnv], maxBodyBytes })
})
afterAll(() => running.close())

interface ErrorJson {
  readonly error: {
    readonly message: string
    readonly type: string
    readonly param: string | null
    readonly code: string | null
    readonly failures?: ReadonlyArray<{ readonly deployment: string; readonly kind: string }>
  }
}

const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${running.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}`, ...headers },
    body
  })
  const text = await response.text()
  return { status: response.status, text, json: JSON.parse(text) as ErrorJson, headers: response.headers }
}

const expectClean = (text: string) => {
  expect(text).not.toMatch(/\n\s+at /)
  expect(text).not.toContain(apiKey)
  expect(text).not.toContain("node_modules")
}

const sdkError = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(OpenAI.APIError)
  return error as InstanceType<typeof OpenAI.APIError>
}

describe("400: Schema validation names the bad field", () => {
  it.each([
    [{ model: "main", messages: [{ role: "wizard", content: "hi" }] }, "messages[0].role"],
    [{ model: "main", messages: [] }, "messages"],
    [{ model: "main" }, "messages"],
    [{ messages: [{ role: "user", content: "hi" }] }, "model"],
    [{ model: 42, messages: [{ role: "user", content: "hi" }] }, "model"],
    [{ model: "main", messages: [{ role: "user", content: "hi" }], temperature: 7 }, "temperature"],
    [{ model: "main", messages: [{ role: "user", content: "hi" }], max_tokens: -1 }, "max_tokens"],
    [{ model: "main", messages: [{ role: "user", content: [{ type: "text" }] }] }, "messages[0].content"]
  ])("%j → param %s", async (body, param) => {
    const response = await post("/chat/completions", JSON.stringify(body))
    expect(response.status).toBe(400)
    expect(response.json.error.type).toBe("invalid_request_error")
    expect(response.json.error.param).toBe(param)
    expect(response.json.error.message).toContain(param)
    expectClean(response.text)
  })

  it("a value outside a list of choices is answered with every valid choice", async () => {
    const response = await post(
      "/chat/completions",
      JSON.stringify({ model: "main", messages: [{ role: "x", content: "hi" }] })
    )
    expect(response.status).toBe(400)
    expect(response.json.error.code).toBe("invalid_value")
    expect(response.json.error.message).toBe(
      `Invalid value for 'messages[0].role': Expected "system" | "developer" | "user" | "assistant" | "tool", actual "x"`
    )
  })

  it("the SDK surfaces it as BadRequestError with the param", async () => {
    const error = await sdkError(
      running.client.chat.completions.create({
        model: "main",
        messages: [{ role: "user", content: "hi" }],
        top_p: 3
      })
    )
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.param).toBe("top_p")
  })

  it.each([
    ["not JSON", "{ model: main", "invalid_json"],
    ["empty", "", "invalid_json"]
  ])("a body that is %s", async (_name, body, code) => {
    const response = await post("/chat/completions", body)
    expect(response.status).toBe(400)
    expect(response.json.error.code).toBe(code)
    expect(response.json.error.param).toBeNull()
  })

  it("a body that is not UTF-8", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"model":"main","messages":[{"role":"user","content":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}]}')
    ])
    const response = await fetch(`${running.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: bytes
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as ErrorJson).error.code).toBe("invalid_encoding")
  })

  it("a body sent as something other than JSON gets 415", async () => {
    const response = await post("/chat/completions", "model=main", {
      "content-type": "application/x-www-form-urlencoded"
    })
    expect(response.status).toBe(415)
    expect(response.json.error.message).toContain("application/json")
  })
})

describe("401: bearer keys", () => {
  it("without a key", async () => {
    const response = await fetch(`${running.baseUrl}/models`)
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toContain("Bearer")
    expect(((await response.json()) as ErrorJson).error.type).toBe("authentication_error")
  })

  it("with a wrong key, through the SDK", async () => {
    const client = new OpenAI({ apiKey: "sk-wrong", baseURL: running.baseUrl, maxRetries: 0 })
    const error = await sdkError(
      client.chat.completions.create({ model: "main", messages: [{ role: "user", content: "hi" }] })
    )
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(error.message).not.toContain(apiKey)
  })

  it("before reading the body: a bad body without a key is still 401", async () => {
    const response = await post("/chat/completions", "{", { authorization: "Bearer nope" })
    expect(response.status).toBe(401)
  })
})

describe("404", () => {
  it("an unknown model names the routes it could have been", async () => {
    const error = await sdkError(
      running.client.chat.completions.create({ model: "gpt-17", messages: [{ role: "user", content: "hi" }] })
    )
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect(error.param).toBe("model")
    expect(error.message).toContain("main")
  })

  // Found by the malformed-bodies property: names of Object.prototype members are not routes.
  it.each([
    "router-nosuch-0.5",
    "router-prompt-1.5",
    "toString",
    "constructor",
    "__proto__",
    "hasOwnProperty"
  ])("a name that resolves to nothing: %s", async (model) => {
    const response = await post(
      "/chat/completions",
      JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] })
    )
    expect(response.status).toBe(404)
    expect(response.json.error.code).toBe("model_not_found")
  })

  it("an unknown path or method", async () => {
    for (const [method, path] of [
      ["GET", "/v1/nothing"],
      ["DELETE", "/v1/chat/completions"]
    ] as const) {
      const response = await fetch(`${running.origin}${path}`, { method })
      expect(response.status).toBe(404)
      expect(((await response.json()) as ErrorJson).error.code).toBe("unknown_url")
    }
  })
})

/**
 * Sends `parts` as a chunked body to the chat endpoint, pausing `pauseMs` between parts (default 5;
 * 0 writes them all at once), or stops after them without ending the body when `abandon`. Resolves
 * with the status as soon as a response arrives (the upload may still be going on), or `"cut"`.
 */
const sendChunked = (
  parts: ReadonlyArray<string>,
  options: {
    readonly abandon?: boolean
    readonly pauseMs?: number
    /** Receives the response's `connection` header and body, once read. */
    readonly onResponse?: (connection: string | undefined, body: string) => void
  } = {}
) => {
  const url = new URL(`${running.baseUrl}/chat/completions`)
  return new Promise<number | "cut">((resolve) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${apiKey}`,
          "transfer-encoding": "chunked"
        }
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () =>
          options.onResponse?.(res.headers.connection, Buffer.concat(chunks).toString("utf8"))
        )
        resolve(res.statusCode ?? 0)
      }
    )
    req.on("error", () => resolve("cut"))
    const pauseMs = options.pauseMs ?? 5
    const write = async () => {
      for (const part of parts) {
        if (req.destroyed) return
        req.write(part)
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs))
      }
      if (options.abandon === true) {
        req.destroy()
        resolve("cut")
      } else req.end()
    }
    void write()
  })
}

describe("413: body size limit", () => {
  const huge = JSON.stringify({
    model: "main",
    messages: [{ role: "user", content: "x".repeat(maxBodyBytes * 2) }]
  })

  it("with a Content-Length over the limit", async () => {
    const response = await post("/chat/completions", huge)
    expect(response.status).toBe(413)
    expect(response.json.error.code).toBe("request_too_large")
  })

  it("with a chunked body that grows over the limit", async () => {
    // Several chunks, no Content-Length: the limit must be enforced while reading. (All of it is
    // written at once so the client is not still sending when the server closes the connection.)
    const parts = Array.from({ length: Math.ceil(huge.length / 1000) }, (_, i) =>
      huge.slice(i * 1000, (i + 1) * 1000)
    )
    expect(await sendChunked(parts, { pauseMs: 0 })).toBe(413)
  })
})

describe("request bodies read from the socket", () => {
  const health = async () => (await fetch(`${running.baseUrl.replace(/\/v1$/, "")}/health`)).status

  it("assembles a body sent in many small chunks", async () => {
    const body = JSON.stringify({ model: "main", messages: [{ role: "user", content: "piece by piece" }] })
    const parts = body.match(/.{1,7}/g) ?? []
    expect(parts.length).toBeGreaterThan(10)
    expect(await sendChunked(parts)).toBe(200)
  })

  it("answers a body far past the limit with 413 while the client is still sending, and keeps serving", async () => {
    // More than the limit plus the 1 MiB it reads and drops before answering: the 413 goes out
    // while the upload goes on, and the connection is closed after it, not cut before it.
    const parts = Array.from({ length: 40 }, () => "x".repeat(64 * 1024))
    let answer: { connection: string | undefined; body: string } | undefined
    const outcome = await sendChunked(parts, {
      onResponse: (connection, body) => (answer = { connection, body })
    })
    expect(outcome).toBe(413)
    await expect.poll(() => answer).toBeDefined()
    expect(answer?.connection).toBe("close")
    expect((JSON.parse(answer!.body) as ErrorJson).error.code).toBe("request_too_large")
    expect(await health()).toBe(200)
  })

  it("answers 413 to a large upload written as fast as possible, as often as it is sent", async () => {
    // 10 MiB in one go, five times: every one gets its 413 (none an empty reply or a reset).
    const parts = Array.from({ length: 160 }, () => "x".repeat(64 * 1024))
    for (let i = 0; i < 5; i++) expect(await sendChunked(parts, { pauseMs: 0 })).toBe(413)
    expect(await health()).toBe(200)
  })

  it("survives a client that stops sending half-way through its body", async () => {
    const outcome = await sendChunked(['{"model": "main", "messages": [{"role": "user", '], { abandon: true })
    expect(outcome).toBe("cut")
    expect(await health()).toBe(200)
    // A request after it is answered normally.
    expect(
      await sendChunked([JSON.stringify({ model: "main", messages: [{ role: "user", content: "hi" }] })])
    ).toBe(200)
  })
})

describe("upstream failure after failover", () => {
  it("502 when every attempt failed, with the failure kinds and no upstream detail", async () => {
    const response = await post(
      "/chat/completions",
      JSON.stringify({ model: "down", messages: [{ role: "user", content: "hi" }] })
    )
    expect(response.status).toBe(502)
    expect(response.json.error.type).toBe("upstream_error")
    expect(response.json.error.failures).toEqual([{ deployment: "down@fake", kind: "Unavailable" }])
    expect(response.json.error.message).toContain("Unavailable")
    expectClean(response.text)
  })

  it("a failed request still explains its routing decision in the headers, JSON and streamed", async () => {
    for (const stream of [false, true]) {
      const response = await post(
        "/chat/completions",
        JSON.stringify({ model: "quality-down", stream, messages: [{ role: "user", content: "p=0.9 hi" }] })
      )
      expect(response.status).toBe(502)
      expect(response.headers.get("x-router-route")).toBe("quality-down")
      expect(response.headers.get("x-router-win-rate")).toBe("0.9000")
      expect(response.headers.get("x-router-strong")).toBe("true")
      expect(response.headers.get("x-router-attempts")).toBe("1")
      expect(response.headers.get("x-router-failures")).toBe("down-strong@fake=Unavailable")
      expect(response.headers.get("x-router-deployment")).toBeNull()
      expectClean(response.text)
    }
  })

  it("503 once the failing deployment's circuit is open and nothing is left to try", async () => {
    for (let i = 0; i < 3; i++) {
      await post(
        "/chat/completions",
        JSON.stringify({ model: "down", messages: [{ role: "user", content: "hi" }] })
      )
    }
    const response = await post(
      "/chat/completions",
      JSON.stringify({ model: "down", messages: [{ role: "user", content: "hi" }] })
    )
    expect(response.status).toBe(503)
    expect(response.json.error.message).toContain("down@fake")
    expectClean(response.text)
  })

  it("504 when the deployment timed out, for JSON and for streams", async () => {
    const json = await post(
      "/chat/completions",
      JSON.stringify({ model: "hang", messages: [{ role: "user", content: "hi" }] })
    )
    expect(json.status).toBe(504)
    expect(json.json.error.failures?.map((f) => f.kind)).toEqual(["Timeout"])
    const error = await sdkError(
      running.client.chat.completions.create({
        model: "hang",
        stream: true,
        messages: [{ role: "user", content: "hi" }]
      })
    )
    expect(error.status).toBe(504)
  })
})
