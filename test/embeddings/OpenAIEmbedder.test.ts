import { describe, expect, it } from "@effect/vitest"
import { createServer as createNetServer } from "node:net"
import { Effect, Exit, Redacted } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as OpenAIEmbedder from "../../src/embeddings/OpenAIEmbedder.ts"

// A real HTTP server on loopback speaking the OpenAI embeddings wire format: the vector of a text is
// [length, first char code, 0, 0, ...] (dimension 1536), returned in reverse order with indices.
const startServer = () =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly requests: Array<{ readonly auth: string | undefined; readonly inputs: number }>
      readonly close: () => void
    }>((resume) => {
      const requests: Array<{ auth: string | undefined; inputs: number }> = []
      const server = createServer((request, response) => {
        let body = ""
        request.on("data", (chunk: Buffer) => (body += chunk.toString()))
        request.on("end", () => {
          const auth = request.headers.authorization
          const parsed = JSON.parse(body) as { input: Array<string>; model: string }
          requests.push({ auth, inputs: parsed.input.length })
          if (auth !== "Bearer sk-test-secret") {
            response.writeHead(401, { "content-type": "application/json" })
            response.end(
              JSON.stringify({
                error: {
                  message: "Incorrect API key provided: sk-wrong",
                  type: "invalid_request_error",
                  code: "invalid_api_key"
                }
              })
            )
            return
          }
          const data = parsed.input.map((text, index) => {
            const embedding = new Array<number>(1536).fill(0)
            embedding[0] = text.length
            embedding[1] = text.charCodeAt(0)
            return { object: "embedding", index, embedding }
          })
          response.writeHead(200, { "content-type": "application/json" })
          response.end(
            JSON.stringify({
              object: "list",
              data: data.reverse(),
              model: parsed.model,
              usage: { prompt_tokens: 1, total_tokens: 1 }
            })
          )
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}/v1`, requests, close: () => server.close() }))
      })
    }),
    (server) => Effect.sync(() => server.close())
  )

describe("OpenAIEmbedder", () => {
  it.scoped("calls the embeddings endpoint with the SDK, batching and restoring input order", () =>
    Effect.gen(function* () {
      const server = yield* startServer()
      const embedder = yield* OpenAIEmbedder.make({
        apiKey: Redacted.make("sk-test-secret"),
        baseURL: server.url
      })
      expect(embedder.dimension).toBe(1536)
      expect(embedder.name).toBe("openai:text-embedding-3-small")
      const texts = Array.from(
        { length: 300 },
        (_, i) => `${String.fromCharCode(65 + (i % 26))}${"x".repeat(i)}`
      )
      const vectors = yield* embedder.embedMany(texts)
      expect(vectors.map((v) => v[0])).toEqual(texts.map((t) => t.length))
      expect(vectors.map((v) => v[1])).toEqual(texts.map((t) => t.charCodeAt(0)))
      expect(server.requests.map((r) => r.inputs)).toEqual([256, 44])
    })
  )

  it.scoped("an authentication failure is an EmbeddingError that does not echo any key", () =>
    Effect.gen(function* () {
      const server = yield* startServer()
      const embedder = yield* OpenAIEmbedder.make({ apiKey: Redacted.make("sk-wrong"), baseURL: server.url })
      const exit = yield* Effect.exit(embedder.embed("hello"))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        expect(exit.cause.error.reason).toBe("Unavailable")
        expect(exit.cause.error.message).toMatch(/401/)
        expect(JSON.stringify(exit.cause.error)).not.toMatch(/sk-wrong/)
      }
    })
  )

  it.effect("an unreachable API says that nothing answered, with the network error code, and no key", () =>
    Effect.gen(function* () {
      // A port that was free a moment ago: nothing listens there, so the connection is refused.
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((resolve) => {
            const probe = createNetServer().listen(0, "127.0.0.1", () => {
              const { port } = probe.address() as AddressInfo
              probe.close(() => resolve(port))
            })
          })
      )
      const embedder = yield* OpenAIEmbedder.make({
        apiKey: Redacted.make("sk-unreachable-secret"),
        baseURL: `http://127.0.0.1:${port}/v1`
      })
      const error = yield* Effect.flip(embedder.embed("hello"))
      expect(error.message).toMatch(/no response: APIConnectionError, ECONNREFUSED; check the network/)
      expect(JSON.stringify(error)).not.toContain("sk-unreachable-secret")
    })
  )

  it.effect("unknown models need an explicit dimension", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        OpenAIEmbedder.make({ apiKey: Redacted.make("k"), model: "my-embedder" })
      )
      expect(Exit.isFailure(exit)).toBe(true)
    })
  )
})
