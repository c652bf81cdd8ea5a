/**
 * A fake LLM provider: a real HTTP server on loopback that speaks the OpenAI chat-completions wire
 * format (JSON and server-sent events) and behaves as a script says, per model name — latencies,
 * time to first token, 429s with Retry-After, 5xx, hangs, connection resets, malformed bodies,
 * streams cut after k chunks, context-window and content-filter errors, seeded random mixes.
 *
 * It counts, per model, the requests it received, the answers it delivered completely, and the
 * requests whose connection the client closed before the answer was complete (how tests prove that
 * interruption reaches the socket). Answers are also counted per request id (`metadata.request_id`
 * or `user` in the body), which is how benchmarks detect a request answered twice.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import type { IncomingMessage, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type { ModelScript, Script } from "./FakeUpstreamScript.ts"
import { chooseBehaviour, sampleMillis } from "./FakeUpstreamScript.ts"
import type { WireRequest } from "./FakeUpstreamWire.ts"
import { errorBodies, mulberry32, readWireRequest } from "./FakeUpstreamWire.ts"

/**
 * A running fake upstream.
 * @since 0.1.0
 */
export interface FakeUpstream {
  readonly port: number
  /** `http://host:port/v1`, the deployment `baseUrl`. */
  readonly baseUrl: string
  /** Requests received per model. */
  readonly requests: (model: string) => number
  /** Answers delivered completely per model. */
  readonly answered: (model: string) => number
  /** Requests per model whose connection the client closed before the answer was complete. */
  readonly aborted: (model: string) => number
  /** Complete answers per request id. */
  readonly answersByRequestId: ReadonlyMap<string, number>
  /** Headers of the last request to a model. */
  readonly lastHeaders: (model: string) => WireRequest["headers"] | undefined
  /** Waits until `count` requests to `model` were aborted by the client. */
  readonly awaitAborted: (model: string, count?: number) => Effect.Effect<void>
  /** Replaces the script and zeroes the counters (request numbering restarts). */
  readonly setScript: (script: Script) => void
}

/** @since 0.1.0 */
export interface FakeUpstreamOptions {
  readonly script?: Script
  /** 0 (default) picks a free port. */
  readonly port?: number
  readonly host?: string
}

/**
 * Starts a fake upstream for the life of the scope.
 *
 * @example
 * import { Effect } from "effect"
 * import { FakeUpstream } from "effect-llm-router/providers"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const upstream = yield* FakeUpstream.make({ script: { models: { flaky: { sequence: ["rate_limit", "ok"] } } } })
 *     // point a deployment at upstream.baseUrl with model "flaky" ...
 *     return upstream.requests("flaky")
 *   })
 * )
 *
 * @since 0.1.0
 */
export const make = (options: FakeUpstreamOptions = {}): Effect.Effect<FakeUpstream, Error, Scope.Scope> =>
  Effect.gen(function* () {
    let script: Script = options.script ?? {}
    let draw = mulberry32(script.seed ?? 1)
    const requests = new Map<string, number>()
    const answered = new Map<string, number>()
    const aborted = new Map<string, number>()
    const answersByRequestId = new Map<string, number>()
    const lastHeaders = new Map<string, WireRequest["headers"]>()
    const waiters = new Set<() => void>()
    const timers = new Set<NodeJS.Timeout>()
    const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)

    const later = (ms: number, res: ServerResponse, then: () => void) => {
      if (ms <= 0) return then()
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (!res.destroyed && !res.writableEnded) then()
      }, ms)
      timers.add(timer)
    }

    const handle = (wire: WireRequest, res: ServerResponse) => {
      lastHeaders.set(wire.model, wire.headers)
      const n = requests.get(wire.model) ?? 0
      requests.set(wire.model, n + 1)
      const modelScript: ModelScript = script.models?.[wire.model] ?? script.default ?? {}
      let behaviour = chooseBehaviour(modelScript, n, draw)
      if (
        modelScript.contextWindowChars !== undefined &&
        wire.promptText.length > modelScript.contextWindowChars
      ) {
        behaviour = { kind: "context_window" }
      }
      let complete = false
      res.on("close", () => {
        if (complete) return
        bump(aborted, wire.model)
        for (const waiter of waiters) waiter()
      })
      const delivered = () => {
        complete = true
        if (behaviour.kind !== "ok") return
        bump(answered, wire.model)
        if (wire.requestId !== undefined) bump(answersByRequestId, wire.requestId)
      }
      res.on("finish", delivered)
      const id = `chatcmpl-fake-${wire.model}-${n + 1}`
      const created = 1_700_000_000
      const reply = modelScript.reply ?? `echo: ${wire.lastUser.slice(0, 120)}`
      const pieces = reply.match(/\S+\s*/g) ?? [reply]
      const usage = {
        prompt_tokens: Math.ceil(wire.promptText.length / 4),
        completion_tokens: pieces.length,
        total_tokens: Math.ceil(wire.promptText.length / 4) + pieces.length
      }
      const failDelay = sampleMillis(behaviour.delayMs, draw)
      const error = errorBodies[behaviour.kind]
      // Like some real providers, the 401 echoes the key it received: the client must mask it.
      const authorization = String(wire.headers["authorization"] ?? "").replace(/^Bearer\s+/i, "")
      const errorBody = (failure: NonNullable<typeof error>) =>
        JSON.stringify({
          error: {
            message:
              behaviour.kind === "auth"
                ? `${failure.message.slice(0, -1)}: ${authorization}.`
                : failure.message,
            type: failure.type,
            param: null,
            code: failure.code
          }
        })
      // With `afterChunks`, a stream gets its error as an event after that many chunks instead.
      const errorMidStream = error !== undefined && wire.stream && behaviour.afterChunks !== undefined
      if (error !== undefined && !errorMidStream) {
        return later(failDelay, res, () => {
          const headers: Record<string, string> = { "content-type": "application/json" }
          if (behaviour.kind === "rate_limit") {
            if (behaviour.retryAfterMs !== undefined)
              headers["retry-after-ms"] = String(behaviour.retryAfterMs)
            else headers["retry-after"] = String(behaviour.retryAfterSeconds ?? 1)
          }
          res.writeHead(error.status, headers)
          res.end(errorBody(error))
        })
      }
      if (behaviour.kind === "hang") return
      if (behaviour.kind === "reset" || (behaviour.kind === "cut_stream" && !wire.stream)) {
        return later(failDelay, res, () => res.socket?.destroy())
      }
      if (!wire.stream) {
        return later(sampleMillis(modelScript.latencyMs, draw), res, () => {
          res.writeHead(200, { "content-type": "application/json" })
          if (behaviour.kind === "malformed") return res.end(`{"id": "${id}", "choices": [ {"message": `)
          res.end(
            JSON.stringify({
              id,
              object: "chat.completion",
              created,
              model: wire.model,
              choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
              ...(modelScript.omitUsage === true ? {} : { usage })
            })
          )
        })
      }
      const chunk = (
        delta: Record<string, unknown>,
        finish: string | null,
        extra: Record<string, unknown> = {}
      ) =>
        `data: ${JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created,
          model: wire.model,
          choices: [{ index: 0, delta, finish_reason: finish }],
          ...extra
        })}\n\n`
      const cutAfter =
        behaviour.kind === "cut_stream" || behaviour.kind === "reset_stream" || errorMidStream
          ? (behaviour.afterChunks ?? 1)
          : behaviour.kind === "malformed"
            ? 1
            : Infinity
      later(sampleMillis(modelScript.ttftMs ?? modelScript.latencyMs, draw), res, () => {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive"
        })
        let index = 0
        const step = () => {
          if (index >= cutAfter) {
            if (behaviour.kind === "reset_stream") return res.socket?.destroy()
            if (behaviour.kind === "malformed") return void res.end(`data: {"choices": [\n\n`)
            if (error !== undefined) return void res.end(`data: ${errorBody(error)}\n\n`)
            return void res.end()
          }
          if (index < pieces.length) {
            res.write(
              chunk(
                index === 0 ? { role: "assistant", content: pieces[index] } : { content: pieces[index] },
                null
              )
            )
            index += 1
            return later(sampleMillis(modelScript.interTokenMs, draw), res, step)
          }
          res.write(chunk({}, "stop"))
          if (wire.includeUsage && modelScript.omitUsage !== true) {
            res.write(
              `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: wire.model, choices: [], usage })}\n\n`
            )
          }
          res.end("data: [DONE]\n\n")
        }
        step()
      })
    }

    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? "/"
      if (req.method === "GET" && url.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" })
        return void res.end(
          JSON.stringify({
            object: "list",
            data: Object.keys(script.models ?? {}).map((id) => ({ id, object: "model" }))
          })
        )
      }
      if (req.method !== "POST" || !url.endsWith("/chat/completions")) {
        res.writeHead(404, { "content-type": "application/json" })
        return void res.end(
          JSON.stringify({
            error: { message: `no route ${req.method} ${url}`, type: "invalid_request_error", code: null }
          })
        )
      }
      const parts: Array<Buffer> = []
      req.on("data", (part: Buffer) => parts.push(part))
      req.on("end", () => {
        let wire: WireRequest | undefined
        try {
          wire = readWireRequest(JSON.parse(Buffer.concat(parts).toString("utf8")), req.headers)
        } catch {
          wire = undefined
        }
        if (wire === undefined) {
          res.writeHead(400, { "content-type": "application/json" })
          return void res.end(
            JSON.stringify({
              error: {
                message: "body is not a chat-completions request",
                type: "invalid_request_error",
                code: null
              }
            })
          )
        }
        handle(wire, res)
      })
    })
    server.keepAliveTimeout = 5_000

    const port = yield* Effect.acquireRelease(
      Effect.async<number, Error>((resume) => {
        server.once("error", (error) => resume(Effect.fail(error)))
        server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () =>
          resume(Effect.succeed((server.address() as AddressInfo).port))
        )
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const timer of timers) clearTimeout(timer)
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )

    const upstream: FakeUpstream = {
      port,
      baseUrl: `http://${options.host ?? "127.0.0.1"}:${port}/v1`,
      requests: (model) => requests.get(model) ?? 0,
      answered: (model) => answered.get(model) ?? 0,
      aborted: (model) => aborted.get(model) ?? 0,
      answersByRequestId,
      lastHeaders: (model) => lastHeaders.get(model),
      awaitAborted: (model, count = 1) =>
        Effect.async<void>((resume) => {
          const check = () => {
            if ((aborted.get(model) ?? 0) >= count) {
              waiters.delete(check)
              resume(Effect.void)
            }
          }
          waiters.add(check)
          check()
          return Effect.sync(() => waiters.delete(check))
        }),
      setScript: (next) => {
        script = next
        draw = mulberry32(next.seed ?? 1)
        requests.clear()
        answered.clear()
        aborted.clear()
        answersByRequestId.clear()
      }
    }
    return upstream
  })
