import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ChatCompletion } from "openai/resources/chat/completions"
import { RoutedChat, RoutedClientError, createRoutedClient } from "../../src/client/index.ts"
import * as Route from "../../src/graph/Route.ts"
import type { Upstream } from "./fixtures.ts"
import { collect, configOf, failureOf, promptNumberRouter, startUpstream } from "./fixtures.ts"

let fake: Upstream
beforeAll(async () => {
  fake = await startUpstream()
})
afterAll(() => fake.stop())
beforeEach(() =>
  fake.upstream.setScript({
    models: {
      "big-model": { reply: "strong answer" },
      "small-model": { reply: "weak answer" },
      "down-model": { sequence: ["unavailable", "unavailable", "unavailable", "unavailable"] },
      "slow-model": { sequence: ["hang"] },
      "drip-model": { reply: "one two three four", interTokenMs: 2_000 },
      "locked-model": { sequence: ["auth"] },
      "cut-model": { sequence: [{ kind: "cut_stream", afterChunks: 2 }], reply: "one two three four five" }
    }
  })
)

const user = (content: string) => [{ role: "user" as const, content }]

const routedConfig = () => {
  const router = promptNumberRouter()
  const strong = fake.deployment("big-model")
  const weak = fake.deployment("small-model")
  const config = configOf(
    {
      main: Route.threshold({ router, threshold: 0.5, strong, weak }),
      strong: Route.deployment(strong),
      weak: Route.deployment(weak),
      failover: Route.fallback([fake.deployment("down-model"), weak]),
      slow: Route.deployment(fake.deployment("slow-model")),
      drip: Route.deployment(fake.deployment("drip-model")),
      cut: Route.deployment(fake.deployment("cut-model")),
      down: Route.deployment(fake.deployment("down-model")),
      locked: Route.deployment(fake.deployment("locked-model", { apiKeyEnv: "ROUTED_CLIENT_TEST_KEY" }))
    },
    { routers: new Map([["prompt", router]]) }
  )
  return { config, router }
}

describe("createRoutedClient (Promise API over the fake upstream)", () => {
  it("answers a non-streaming request with the SDK's shape and the decision on `router`", async () => {
    const client = createRoutedClient(routedConfig().config)
    try {
      const completion: ChatCompletion = await client.chat.completions.create({
        model: "main",
        messages: user("p=0.9 hard")
      })
      expect(completion.object).toBe("chat.completion")
      expect(completion.choices[0]?.message.content).toBe("strong answer")
      expect(completion.choices[0]?.message.refusal).toBeNull()
      const routed = await client.chat.completions.create({ model: "main", messages: user("p=0.1 easy") })
      expect(routed.choices[0]?.message.content).toBe("weak answer")
      expect(routed.router.answeredBy).toBe("small-model@fake")
      expect(routed.router.answeredByModel).toBe("small-model")
      expect(routed.router.route).toBe("main")
      expect(routed.router.trace.attempts.map((a) => a.outcome)).toEqual(["succeeded"])
      expect(routed.router.plan.decisions.some((d) => d.node === "threshold")).toBe(true)
      // The side channel stays out of serialisation and spreads.
      expect(Object.keys(routed)).not.toContain("router")
      expect(JSON.parse(JSON.stringify(routed))).not.toHaveProperty("router")
      expect(fake.upstream.requests("big-model")).toBe(1)
      expect(fake.upstream.requests("small-model")).toBe(1)
    } finally {
      await client.close()
    }
  })

  it("streams chunks as an async iterable and finishes the trace after the last chunk", async () => {
    const client = createRoutedClient(routedConfig().config)
    try {
      const stream = await client.chat.completions.create({
        model: "main",
        messages: user("p=0.7"),
        stream: true
      })
      expect(stream.router.answeredBy).toBe("big-model@fake")
      expect(stream.router.trace.attempts.map((a) => a.outcome)).toEqual(["streaming"])
      expect(await collect(stream)).toBe("strong answer")
      expect(stream.router.trace.attempts.map((a) => a.outcome)).toEqual(["succeeded"])
      expect(stream.router.trace.usage?.completion_tokens).toBeGreaterThan(0)
      expect(fake.upstream.answered("big-model")).toBe(1)
    } finally {
      await client.close()
    }
  })

  it("a stream that cannot open rejects create; one cut mid-way fails instead of ending short", async () => {
    const client = createRoutedClient(routedConfig().config)
    try {
      const unopened = await failureOf(
        client.chat.completions.create({ model: "down", messages: user("hi"), stream: true })
      )
      expect(unopened._tag).toBe("AllAttemptsFailed")
      expect(unopened.kind).toBe("Unavailable")
      const cut = await client.chat.completions.create({ model: "cut", messages: user("hi"), stream: true })
      const received: Array<string> = []
      const broken = await failureOf(
        (async () => {
          for await (const chunk of cut) received.push(chunk.choices[0]?.delta.content ?? "")
        })()
      )
      expect(broken._tag).toBe("StreamInterrupted")
      expect(received.join("")).toBe("one two ")
    } finally {
      await client.close()
    }
  })

  it("breaking out of a stream ends it quietly and aborts the upstream request", async () => {
    const client = createRoutedClient(routedConfig().config)
    try {
      const stream = await client.chat.completions.create({
        model: "drip",
        messages: user("hi"),
        stream: true
      })
      const received: Array<string> = []
      for await (const chunk of stream) {
        received.push(chunk.choices[0]?.delta.content ?? "")
        break
      }
      expect(received).toEqual(["one "])
      await Effect.runPromise(fake.upstream.awaitAborted("drip-model"))
      expect(fake.upstream.answered("drip-model")).toBe(0)
    } finally {
      await client.close()
    }
  })

  it("routes RouteLLM names and plans without calling any model", async () => {
    const client = createRoutedClient(routedConfig().config)
    try {
      const plan = await client.route({ model: "router-prompt-0.5", messages: user("p=0.2") })
      expect(plan.model).toBe("small-model")
      expect(plan.deployment).toBe("small-model@fake")
      expect(plan.strong).toBe(false)
      const strong = await client.route({ model: "router-prompt-0.1", messages: user("p=0.2") })
      expect(strong.model).toBe("big-model")
      expect(fake.upstream.requests("small-model") + fake.upstream.requests("big-model")).toBe(0)
      const answered = await client.chat.completions.create({
        model: "router-prompt-0.1",
        messages: user("p=0.2")
      })
      expect(answered.router.answeredBy).toBe("big-model@fake")
    } finally {
      await client.close()
    }
  })

  it("fails over and records the failed attempt in the trace", async () => {
    const client = createRoutedClient(routedConfig().config)
    try {
      const completion = await client.chat.completions.create({ model: "failover", messages: user("hi") })
      expect(completion.choices[0]?.message.content).toBe("weak answer")
      const outcomes = completion.router.trace.attempts.map((a) => `${a.deployment}:${a.outcome}`)
      expect(outcomes[0]).toBe("down-model@fake:failed")
      expect(outcomes[outcomes.length - 1]).toBe("small-model@fake:succeeded")
    } finally {
      await client.close()
    }
  })

  it("rejects with a RoutedClientError carrying the tagged error and an HTTP-like status", async () => {
    const client = createRoutedClient(routedConfig().config)
    try {
      const routed = await failureOf(client.chat.completions.create({ model: "nope", messages: user("hi") }))
      expect(routed).toBeInstanceOf(RoutedClientError)
      expect(routed).toBeInstanceOf(Error)
      expect(routed._tag).toBe("NoRouteAvailable")
      expect(routed.status).toBe(503)
      expect(routed.message).toContain("unknown model 'nope'")
      const invalid = await failureOf(client.chat.completions.create({ model: "main", messages: [] }))
      expect(invalid._tag).toBe("InvalidChatRequest")
      expect(invalid.status).toBe(400)
    } finally {
      await client.close()
    }
  })

  it("never puts an API key in an error", async () => {
    const secret = "sk-test-0123456789abcdefSECRET"
    process.env["ROUTED_CLIENT_TEST_KEY"] = secret
    const client = createRoutedClient(routedConfig().config)
    try {
      const error = await failureOf(client.chat.completions.create({ model: "locked", messages: user("hi") }))
      expect(error._tag).toBe("AllAttemptsFailed")
      expect(error.kind).toBe("AuthFailed")
      expect(error.status).toBe(502)
      // The failure still carries the plan that was run (route, order of deployments, win rate).
      expect(error.error._tag === "AllAttemptsFailed" ? error.error.plan?.route : undefined).toBe("locked")
      const everything = `${error.message} ${error.stack ?? ""} ${JSON.stringify(error.error)} ${String(error.error.message)}`
      expect(everything).not.toContain(secret)
    } finally {
      delete process.env["ROUTED_CLIENT_TEST_KEY"]
      await client.close()
    }
  })

  it("close() ends in-flight calls and open streams, aborts their upstream requests, and is idempotent", async () => {
    const client = createRoutedClient(routedConfig().config)
    const hanging = failureOf(client.chat.completions.create({ model: "slow", messages: user("hi") }))
    const stream = await client.chat.completions.create({ model: "drip", messages: user("hi"), stream: true })
    const reading = failureOf(collect(stream))
    while (fake.upstream.requests("slow-model") === 0) await new Promise((resolve) => setImmediate(resolve))
    await Promise.all([client.close(), client.close()])
    const closed = await hanging
    expect(closed).toBeInstanceOf(RoutedClientError)
    expect(closed._tag).toBe("ClientClosed")
    const interrupted = await reading
    expect(interrupted).toBeInstanceOf(RoutedClientError)
    expect(interrupted._tag).toBe("ClientClosed")
    await Effect.runPromise(fake.upstream.awaitAborted("slow-model"))
    await Effect.runPromise(fake.upstream.awaitAborted("drip-model"))
    const later = await failureOf(client.chat.completions.create({ model: "main", messages: user("hi") }))
    expect(later._tag).toBe("ClientClosed")
    await client.close()
  })

  it("an aborted signal rejects the call with CallAborted", async () => {
    const client = createRoutedClient(routedConfig().config)
    try {
      const controller = new AbortController()
      const call = client.chat.completions.create(
        { model: "slow", messages: user("hi") },
        { signal: controller.signal }
      )
      while (fake.upstream.requests("slow-model") === 0) await new Promise((resolve) => setImmediate(resolve))
      controller.abort()
      const error = await failureOf(call)
      expect(error._tag).toBe("CallAborted")
      await Effect.runPromise(fake.upstream.awaitAborted("slow-model"))
    } finally {
      await client.close()
    }
  })

  it("loads a config file, and serves Effect code from the same runtime", async () => {
    const dir = await mkdtemp(join(tmpdir(), "routed-client-"))
    const file = join(dir, "router.config.json")
    await writeFile(
      file,
      JSON.stringify({
        deployments: [
          {
            id: "small@fake",
            provider: "openai-compatible",
            model: "small-model",
            baseUrl: fake.upstream.baseUrl
          }
        ],
        routes: { chat: "small@fake" }
      })
    )
    const client = createRoutedClient(file)
    try {
      await client.ready()
      expect((await client.models.list()).map((m) => m.id)).toEqual(["chat"])
      const viaEffect = await client.runtime.runPromise(
        RoutedChat.complete({ model: "chat", messages: [{ role: "user", content: "hi" }] })
      )
      expect(viaEffect.response.choices[0]?.message.content).toBe("weak answer")
      expect(viaEffect.decision.answeredBy).toBe("small@fake")
    } finally {
      await client.close()
    }
  })

  it("a bad config file rejects calls with its ConfigError", async () => {
    const client = createRoutedClient(join(tmpdir(), "no-such-dir-routed-client", "missing.yaml"))
    const error = await failureOf(client.ready())
    expect(error._tag).toBe("ConfigError")
    expect(error.status).toBe(500)
    await client.close()
  })
})
