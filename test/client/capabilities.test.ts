import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { ChatCompletionTool } from "openai/resources/chat/completions"
import { createRoutedClient } from "../../src/client/index.ts"
import * as Route from "../../src/graph/Route.ts"
import type { Upstream } from "./fixtures.ts"
import { collect, configOf, failureOf, startUpstream } from "./fixtures.ts"

let fake: Upstream
beforeAll(async () => {
  fake = await startUpstream({
    models: { "text-only": { reply: "from text-only" }, "full-model": { reply: "from full-model" } }
  })
})
afterAll(() => fake.stop())

const weather: ChatCompletionTool = {
  type: "function",
  function: {
    name: "weather",
    description: "Current weather",
    parameters: { type: "object", properties: {} }
  }
}

/** A cheap model that declares what it cannot do, listed first, and a full model behind it. */
const client = (limits: {
  tools?: boolean
  vision?: boolean
  jsonMode?: boolean
  jsonSchema?: boolean
  streaming?: boolean
}) =>
  createRoutedClient(
    configOf({
      main: Route.fallback([
        fake.deployment("text-only", { capabilities: limits }),
        fake.deployment("full-model")
      ]),
      limited: Route.deployment(fake.deployment("text-only", { capabilities: limits }))
    })
  )

const ask = [{ role: "user" as const, content: "What is the weather in Paris?" }]

describe("capability-aware routing in the client", () => {
  it("a request with tools skips deployments that declare tools: false", async () => {
    const routed = client({ tools: false })
    try {
      const plain = await routed.route({ model: "main", messages: ask })
      expect(plain.deployment).toBe("text-only@fake")
      const completion = await routed.chat.completions.create({
        model: "main",
        messages: ask,
        tools: [weather]
      })
      expect(completion.router.answeredBy).toBe("full-model@fake")
      const removed = completion.router.plan.decisions.flatMap((d) => d.removed ?? [])
      expect(removed.map((r) => r.deployment)).toEqual(["text-only@fake"])
      expect(removed[0]?.reason).toContain("lacks tools")
    } finally {
      await routed.close()
    }
  })

  it("tool turns in the conversation need tools too, even without tool definitions", async () => {
    const routed = client({ tools: false })
    try {
      const plan = await routed.route({
        model: "main",
        messages: [
          ...ask,
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: "{}" } }]
          },
          { role: "tool", tool_call_id: "call_1", content: "sunny" }
        ]
      })
      expect(plan.attempts.map((a) => a.deployment)).toEqual(["full-model@fake"])
    } finally {
      await routed.close()
    }
  })

  it("image parts need vision", async () => {
    const routed = client({ vision: false })
    try {
      const plan = await routed.route({
        model: "main",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is in this picture?" },
              { type: "image_url", image_url: { url: "https://example.com/cat.png" } }
            ]
          }
        ]
      })
      expect(plan.attempts.map((a) => a.deployment)).toEqual(["full-model@fake"])
    } finally {
      await routed.close()
    }
  })

  it("JSON mode and JSON schema are checked separately", async () => {
    const routed = client({ jsonSchema: false })
    try {
      const jsonMode = await routed.route({
        model: "main",
        messages: ask,
        response_format: { type: "json_object" }
      })
      expect(jsonMode.deployment).toBe("text-only@fake")
      const schema = await routed.route({
        model: "main",
        messages: ask,
        response_format: { type: "json_schema", json_schema: { name: "weather", schema: { type: "object" } } }
      })
      expect(schema.attempts.map((a) => a.deployment)).toEqual(["full-model@fake"])
    } finally {
      await routed.close()
    }
  })

  it("stream: true skips deployments that cannot stream", async () => {
    const routed = client({ streaming: false })
    try {
      const stream = await routed.chat.completions.create({ model: "main", messages: ask, stream: true })
      expect(await collect(stream)).toBe("from full-model")
      expect(stream.router.answeredBy).toBe("full-model@fake")
    } finally {
      await routed.close()
    }
  })

  it("max_tokens above a deployment's maxOutputTokens skips it; with no deployment left, the error says so", async () => {
    const routed = createRoutedClient(
      configOf({
        main: Route.fallback([
          fake.deployment("text-only", { maxOutputTokens: 1_000 }),
          fake.deployment("full-model")
        ]),
        limited: Route.deployment(fake.deployment("text-only", { maxOutputTokens: 1_000 }))
      })
    )
    try {
      const fits = await routed.route({ model: "main", messages: ask, max_tokens: 1_000 })
      expect(fits.deployment).toBe("text-only@fake")
      const long = await routed.route({ model: "main", messages: ask, max_completion_tokens: 4_000 })
      expect(long.attempts.map((a) => a.deployment)).toEqual(["full-model@fake"])
      const error = await failureOf(routed.route({ model: "limited", messages: ask, max_tokens: 4_000 }))
      expect(error.missingCapabilities).toEqual(["maxOutputTokens"])
      expect(error.message).toContain("supports 4000 output tokens")
    } finally {
      await routed.close()
    }
  })

  it("a route whose every candidate lacks a capability fails naming it, without calling any model", async () => {
    const routed = client({ tools: false, vision: true })
    try {
      const before = fake.upstream.requests("text-only")
      const error = await failureOf(
        routed.chat.completions.create({ model: "limited", messages: ask, tools: [weather] })
      )
      expect(error._tag).toBe("NoRouteAvailable")
      expect(error.missingCapabilities).toEqual(["tools"])
      expect(error.message).toContain("supports tools (request has 1 tool)")
      expect(error.status).toBe(503)
      expect(fake.upstream.requests("text-only")).toBe(before)
    } finally {
      await routed.close()
    }
  })
})
