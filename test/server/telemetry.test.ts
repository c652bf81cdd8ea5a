/**
 * OpenTelemetry: a request through the real server produces spans for the handler, the plan and
 * every attempt (exported through `@effect/opentelemetry` to an in-memory exporter), and no span
 * attribute carries the prompt or a key.
 */
import { NodeSdk } from "@effect/opentelemetry"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "./harness.ts"
import { apiKey, apiKeyEnv, start } from "./harness.ts"

const exporter = new InMemorySpanExporter()
let running: Running
beforeAll(async () => {
  const tracing = NodeSdk.layer(() => ({
    resource: { serviceName: "llm-router-test" },
    spanProcessor: new SimpleSpanProcessor(exporter)
  })).pipe(Layer.discard)
  running = await start({ apiKeyEnvs: [apiKeyEnv] }, tracing)
})
afterAll(() => running.close())

describe("OpenTelemetry spans", () => {
  it("cover the handler, the plan and every attempt, in one trace", async () => {
    exporter.reset()
    const prompt = "a secret prompt that must not be traced"
    // `main` fails over: flaky@fake answers 503 first, then backup@fake answers.
    const { response } = await running.client.chat.completions
      .create({ model: "main", messages: [{ role: "user", content: prompt }] })
      .withResponse()
    expect(response.headers.get("x-router-attempts")).toBe("2")
    const spans = exporter.getFinishedSpans()
    const names = spans.map((span) => span.name)
    expect(names).toContain("Server.chatCompletions")
    expect(names).toContain("Router.plan")
    const attempts = spans.filter((span) => span.name === "Runner.attempt")
    expect(attempts.map((span) => span.attributes["deployment"])).toEqual(["flaky@fake", "backup@fake"])
    const handler = spans.find((span) => span.name === "Server.chatCompletions")!
    expect(handler.attributes["router.route"]).toBe("main")
    const traceIds = new Set(
      spans.filter((s) => s.name !== "http.server POST").map((span) => span.spanContext().traceId)
    )
    expect(traceIds.size).toBe(1)
    const everything = JSON.stringify(
      spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events }))
    )
    expect(everything).not.toContain(prompt)
    expect(everything).not.toContain(apiKey)
  })
})
