import { describe, expect, it } from "@effect/vitest"
import type { ChatCompletionRequest } from "../../src/core/ChatCompletion.ts"
import { Effect } from "effect"
import { capabilities, requiredCapabilities } from "../../src/strategies/capabilities.ts"
import { candidates, context, deployment, ids, reasonFor, request } from "./fixtures.ts"

const full = deployment("full")
const textOnly = deployment("textOnly", { capabilities: { vision: false, tools: false } })
const noJson = deployment("noJson", { capabilities: { jsonMode: false, jsonSchema: false } })
const noStream = deployment("noStream", { capabilities: { streaming: false } })
const all = candidates(full, textOnly, noJson, noStream)

const imageMessage: { readonly messages: ChatCompletionRequest["messages"] } = {
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "what is in these pictures?" },
        { type: "image_url", image_url: { url: "https://example.com/a.png" } },
        { type: "image_url", image_url: { url: "https://example.com/b.png" } }
      ]
    }
  ]
}

const tool = { type: "function" as const, function: { name: "lookup" } }

describe("capabilities", () => {
  it.effect("keeps everything for a plain request", () =>
    Effect.gen(function* () {
      const outcome = yield* capabilities().apply(all, context("hello"))
      expect(ids(outcome)).toEqual(["full", "textOnly", "noJson", "noStream"])
      expect(outcome.summary).toContain("request uses no special capability")
    })
  )

  it.effect("drops deployments without vision for image parts, naming the capability", () =>
    Effect.gen(function* () {
      const outcome = yield* capabilities().apply(all, context("", imageMessage))
      expect(ids(outcome)).toEqual(["full", "noJson", "noStream"])
      expect(reasonFor(outcome, "textOnly")).toBe("lacks vision (request has 2 image parts)")
    })
  )

  it.effect("drops deployments without tools, JSON mode, JSON schema or streaming when used", () =>
    Effect.gen(function* () {
      const tools = yield* capabilities().apply(all, context("hi", { tools: [tool] }))
      expect(reasonFor(tools, "textOnly")).toBe("lacks tools (request has 1 tool)")
      const json = yield* capabilities().apply(
        all,
        context("hi", { response_format: { type: "json_object" } })
      )
      expect(ids(json)).toEqual(["full", "textOnly", "noStream"])
      expect(reasonFor(json, "noJson")).toBe("lacks jsonMode (response_format json_object)")
      const schema = yield* capabilities().apply(
        all,
        context("hi", { response_format: { type: "json_schema", json_schema: { name: "answer" } } })
      )
      expect(reasonFor(schema, "noJson")).toBe("lacks jsonSchema (response_format json_schema)")
      const stream = yield* capabilities().apply(all, context("hi", { stream: true }))
      expect(ids(stream)).toEqual(["full", "textOnly", "noJson"])
      expect(reasonFor(stream, "noStream")).toBe("lacks streaming (stream: true)")
    })
  )

  it.effect("lists every missing capability", () =>
    Effect.gen(function* () {
      const outcome = yield* capabilities().apply(all, context("", { ...imageMessage, tools: [tool] }))
      expect(reasonFor(outcome, "textOnly")).toBe(
        "lacks tools (request has 1 tool); lacks vision (request has 2 image parts)"
      )
      expect(outcome.summary).toContain("request uses tools, vision")
    })
  )

  it("sees tool turns in the conversation as a need for tools", () => {
    const needs = requiredCapabilities(
      request("", {
        messages: [
          { role: "user", content: "weather?" },
          {
            role: "assistant",
            tool_calls: [{ id: "1", type: "function", function: { name: "weather", arguments: "{}" } }]
          },
          { role: "tool", content: "sunny", tool_call_id: "1" }
        ]
      })
    )
    expect(needs.map((need) => need.capability)).toEqual(["tools"])
  })
})
