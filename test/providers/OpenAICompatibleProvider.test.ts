import { describe, expect, it } from "@effect/vitest"
import { Chunk, ConfigProvider, Effect, Either, Fiber, Layer, Stream } from "effect"
import type { ProviderStreamEvent } from "../../src/providers/Provider.ts"
import { Provider } from "../../src/providers/Provider.ts"
import * as FakeUpstream from "../../src/providers/FakeUpstream.ts"
import * as OpenAICompatibleProvider from "../../src/providers/OpenAICompatibleProvider.ts"
import type { Script } from "../../src/providers/FakeUpstreamScript.ts"
import { countPromptTokens, countTokens, encodingForModel } from "../../src/core/Tokens.ts"
import { deploymentAt, request } from "./fixtures.ts"

const secret = "sk-test-very-secret-key-0123456789"
const env = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["FAKE_API_KEY", secret]])))
const TestProvider = Layer.merge(OpenAICompatibleProvider.layer, env)

const script: Script = {
  models: {
    ok: { reply: "the quick brown fox" },
    limited: {
      sequence: [
        { kind: "rate_limit", retryAfterSeconds: 2 },
        { kind: "rate_limit", retryAfterMs: 150 }
      ]
    },
    boom: { sequence: ["server_error", "unavailable"] },
    hang: { sequence: ["hang"] },
    reset: { sequence: ["reset"] },
    garbled: { sequence: ["malformed"] },
    long: { sequence: ["context_window"] },
    filtered: { sequence: ["content_filter"] },
    bad: { sequence: ["bad_request", "not_found"] },
    denied: { sequence: ["auth"] },
    cut: { reply: "one two three four", sequence: [{ kind: "cut_stream", afterChunks: 2 }] },
    snapped: { reply: "one two three four", sequence: [{ kind: "reset_stream", afterChunks: 2 }] },
    slowStream: { reply: "a b c", interTokenMs: 5_000 },
    noUsage: { reply: "counted by the router itself", omitUsage: true },
    garbledStream: { sequence: ["malformed"] }
  }
}

const withUpstream = <A, E>(f: (upstream: FakeUpstream.FakeUpstream) => Effect.Effect<A, E, Provider>) =>
  Effect.scoped(Effect.flatMap(FakeUpstream.make({ script }), f)).pipe(Effect.provide(TestProvider))

const failureOf = (upstream: FakeUpstream.FakeUpstream, model: string, extra = {}) =>
  Effect.flatMap(Provider, (provider) =>
    Effect.flip(provider.complete(deploymentAt(upstream, model, extra), request()))
  )

const collect = (upstream: FakeUpstream.FakeUpstream, model: string, extra = {}) =>
  Effect.flatMap(Provider, (provider) =>
    provider
      .stream(deploymentAt(upstream, model, extra), request())
      .pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray), Effect.either)
  )

const text = (events: ReadonlyArray<ProviderStreamEvent>) =>
  events
    .flatMap((e) => (e._tag === "Chunk" ? e.chunk.choices.map((c) => c.delta.content ?? "") : []))
    .join("")

describe("OpenAICompatibleProvider over real HTTP", () => {
  it.live("answers with the decoded response, provider usage and cost", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const provider = yield* Provider
        const completion = yield* provider.complete(
          deploymentAt(upstream, "ok", { headers: { "x-tenant": "t1" }, apiKeyEnv: "FAKE_API_KEY" }),
          request()
        )
        expect(completion.response.choices[0]?.message.content).toBe("the quick brown fox")
        expect(completion.usageSource).toBe("provider")
        expect(completion.usage.completion_tokens).toBe(4)
        expect(completion.costUsd).toBeCloseTo(completion.usage.prompt_tokens * 0.000001 + 4 * 0.000002, 12)
        expect(upstream.lastHeaders("ok")?.["x-tenant"]).toBe("t1")
        expect(upstream.lastHeaders("ok")?.["authorization"]).toBe(`Bearer ${secret}`)
      })
    )
  )

  it.live("classifies 429 with Retry-After and retry-after-ms", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const first = yield* failureOf(upstream, "limited")
        const second = yield* failureOf(upstream, "limited")
        expect(first._tag).toBe("RateLimited")
        expect(first._tag === "RateLimited" && first.retryAfterMs).toBe(2000)
        expect(second._tag === "RateLimited" && second.retryAfterMs).toBe(150)
      })
    )
  )

  it.live("classifies 500 and 503 as Unavailable", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const a = yield* failureOf(upstream, "boom")
        const b = yield* failureOf(upstream, "boom")
        expect([a._tag, a._tag === "Unavailable" ? a.status : 0]).toEqual(["Unavailable", 500])
        expect([b._tag, b._tag === "Unavailable" ? b.status : 0]).toEqual(["Unavailable", 503])
      })
    )
  )

  it.live("times out a hanging upstream and closes the connection", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const failure = yield* failureOf(upstream, "hang", { timeoutMs: 150 })
        expect(failure._tag).toBe("Timeout")
        yield* upstream.awaitAborted("hang")
        expect(upstream.aborted("hang")).toBe(1)
      })
    )
  )

  it.live("interrupting a call aborts the HTTP request at the socket", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const provider = yield* Provider
        const fiber = yield* Effect.fork(provider.complete(deploymentAt(upstream, "hang"), request()))
        while (upstream.requests("hang") === 0) yield* Effect.sleep("5 millis")
        yield* Fiber.interrupt(fiber)
        yield* upstream
          .awaitAborted("hang")
          .pipe(
            Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "upstream never saw the close" })
          )
        expect(upstream.answered("hang")).toBe(0)
      })
    )
  )

  it.live("classifies resets, refused connections and malformed bodies", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        expect((yield* failureOf(upstream, "reset"))._tag).toBe("Unavailable")
        expect((yield* failureOf(upstream, "garbled"))._tag).toBe("MalformedResponse")
        const provider = yield* Provider
        const refused = yield* Effect.flip(
          provider.complete(
            deploymentAt(upstream, "ok", { id: "nowhere", baseUrl: "http://127.0.0.1:1/v1" }),
            request()
          )
        )
        expect(refused._tag).toBe("Unavailable")
      })
    )
  )

  it.live("classifies context-window, content-filter, invalid-request and auth failures", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        expect((yield* failureOf(upstream, "long"))._tag).toBe("ContextWindowExceeded")
        expect((yield* failureOf(upstream, "filtered"))._tag).toBe("ContentFiltered")
        const bad = yield* failureOf(upstream, "bad")
        const missing = yield* failureOf(upstream, "bad")
        expect([bad._tag, bad._tag === "InvalidRequest" ? bad.status : 0]).toEqual(["InvalidRequest", 400])
        expect([missing._tag, missing._tag === "InvalidRequest" ? missing.status : 0]).toEqual([
          "InvalidRequest",
          404
        ])
        const denied = yield* failureOf(upstream, "denied", { apiKeyEnv: "FAKE_API_KEY" })
        expect(denied._tag).toBe("AuthFailed")
        // The upstream echoed the key in its 401 body; it must not reach our error.
        expect(JSON.stringify({ message: denied.message, cause: denied.cause })).not.toContain(secret)
      })
    )
  )

  it.live("fails with AuthFailed naming the variable when the key is not set", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const failure = yield* failureOf(upstream, "ok", { apiKeyEnv: "NOT_SET_ANYWHERE" })
        expect(failure._tag).toBe("AuthFailed")
        expect(failure.message).toContain("NOT_SET_ANYWHERE")
        expect(upstream.requests("ok")).toBe(0)
      })
    )
  )

  it.live("streams chunks and ends with a summary carrying provider usage", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const events = yield* collect(upstream, "ok")
        expect(Either.isRight(events)).toBe(true)
        const list = Either.getOrThrow(events)
        expect(text(list)).toBe("the quick brown fox")
        const last = list[list.length - 1]
        expect(last?._tag).toBe("Summary")
        expect(last?._tag === "Summary" && last.summary.usageSource).toBe("provider")
        expect(last?._tag === "Summary" && last.summary.finishReason).toBe("stop")
      })
    )
  )

  it.live("a stream cut or reset mid-way fails instead of ending cleanly", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const cut = yield* collect(upstream, "cut")
        const snapped = yield* collect(upstream, "snapped")
        expect(Either.isLeft(cut) && cut.left._tag).toBe("Unavailable")
        expect(Either.isLeft(snapped) && snapped.left._tag).toBe("Unavailable")
      })
    )
  )

  it.live("counts tokens when the upstream reports no usage, streaming or not", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const provider = yield* Provider
        const deployment = deploymentAt(upstream, "noUsage")
        const expectedOutput = countTokens("counted by the router itself", encodingForModel("noUsage"))
        const completion = yield* provider.complete(deployment, request())
        expect([completion.usageSource, completion.usage.completion_tokens]).toEqual([
          "counted",
          expectedOutput
        ])
        expect(completion.usage.prompt_tokens).toBe(countPromptTokens(request(), encodingForModel("noUsage")))
        const events = Either.getOrThrow(yield* collect(upstream, "noUsage"))
        const last = events[events.length - 1]
        expect(
          last?._tag === "Summary" && [last.summary.usageSource, last.summary.usage.completion_tokens]
        ).toEqual(["counted", expectedOutput])
      })
    )
  )

  it.live("a malformed stream chunk is a MalformedResponse", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const garbled = yield* collect(upstream, "garbledStream")
        expect(Either.isLeft(garbled) && garbled.left._tag).toBe("MalformedResponse")
      })
    )
  )

  it.live("a slow reader does not time out a stream: the deadline counts upstream gaps only", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const provider = yield* Provider
        const events = yield* provider
          .stream(deploymentAt(upstream, "ok", { timeoutMs: 100 }), request())
          .pipe(
            Stream.tap(() => Effect.sleep("150 millis")),
            Stream.runCollect,
            Effect.map(Chunk.toReadonlyArray)
          )
        expect(text(events)).toBe("the quick brown fox")
        expect(events.at(-1)?._tag).toBe("Summary")
        expect(upstream.aborted("ok")).toBe(0)
      })
    )
  )

  it.live("a stream that stalls between chunks times out", () =>
    withUpstream((upstream) =>
      Effect.gen(function* () {
        const stalled = yield* collect(upstream, "slowStream", { timeoutMs: 200 })
        expect(Either.isLeft(stalled) && stalled.left._tag).toBe("Timeout")
        yield* upstream.awaitAborted("slowStream")
      })
    )
  )
})
