/**
 * The router server with the real `openai` SDK as client, over a real fake upstream: routed JSON
 * and streamed answers, RouteLLM-style names, decision headers, models, the route-only endpoint,
 * health and metrics.
 */
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "./harness.ts"
import { apiKey, apiKeyEnv, script, start } from "./harness.ts"

let running: Running
beforeAll(async () => {
  running = await start({ apiKeyEnvs: [apiKeyEnv] })
})
afterAll(() => running.close())

const ask = (content: string) => [{ role: "user" as const, content }]

const metricValue = (text: string, name: string, labels: Record<string, string>): number => {
  const line = text
    .split("\n")
    .find(
      (l) =>
        l.startsWith(`${name}{`) &&
        Object.entries(labels).every(([key, value]) => l.includes(`${key}="${value}"`))
    )
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1))
}

const scrape = async () => (await fetch(`${running.origin}/metrics`)).text()

describe("POST /v1/chat/completions", () => {
  it("answers through the route's fallback and says so in the headers", async () => {
    const { data, response } = await running.client.chat.completions
      .create({ model: "main", messages: ask("hello") })
      .withResponse()
    // `flaky` fails its first request (503), so the fallback's second deployment answers.
    expect(data.choices[0]?.message.content).toBe("backup answer")
    expect(response.headers.get("x-router-route")).toBe("main")
    expect(response.headers.get("x-router-deployment")).toBe("backup@fake")
    expect(response.headers.get("x-router-model")).toBe("backup")
    expect(response.headers.get("x-router-attempts")).toBe("2")
    expect(response.headers.get("x-router-failures")).toBe("flaky@fake=Unavailable")
    // The configured prices (1e-6 in, 2e-6 out) times the usage the answer reports.
    const usage = data.usage!
    const expected = usage.prompt_tokens * 0.000001 + usage.completion_tokens * 0.000002
    expect(Number(response.headers.get("x-router-cost-usd"))).toBeCloseTo(expected, 10)
    expect(response.headers.get("x-router-win-rate")).toBeNull()
  })

  it("routes a threshold route by the router's win rate, both ways", async () => {
    const strong = await running.client.chat.completions
      .create({ model: "quality", messages: ask("p=0.7 explain monads") })
      .withResponse()
    expect(strong.data.choices[0]?.message.content).toBe(script.models!["strong-model"]!.reply)
    expect(strong.response.headers.get("x-router-win-rate")).toBe("0.7000")
    expect(strong.response.headers.get("x-router-strong")).toBe("true")
    expect(strong.response.headers.get("x-router-deployment")).toBe("strong@fake")

    const weak = await running.client.chat.completions
      .create({ model: "quality", messages: ask("p=0.2 say hi") })
      .withResponse()
    expect(weak.data.choices[0]?.message.content).toBe("weak answer")
    expect(weak.response.headers.get("x-router-win-rate")).toBe("0.2000")
    expect(weak.response.headers.get("x-router-strong")).toBe("false")
  })

  it("accepts RouteLLM-style names: router-<router>-<threshold>", async () => {
    const above = await running.client.chat.completions
      .create({ model: "router-prompt-0.3", messages: ask("p=0.35 prove it") })
      .withResponse()
    expect(above.response.headers.get("x-router-route")).toBe("router-prompt-0.3")
    expect(above.response.headers.get("x-router-deployment")).toBe("strong@fake")
    const below = await running.client.chat.completions
      .create({ model: "router-prompt-0.4", messages: ask("p=0.35 prove it") })
      .withResponse()
    expect(below.response.headers.get("x-router-deployment")).toBe("weak@fake")
  })

  it("streams server-sent events the SDK reassembles into the whole answer", async () => {
    const { data: stream, response } = await running.client.chat.completions
      .create({ model: "quality", stream: true, messages: ask("p=0.9 stream please") })
      .withResponse()
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    expect(response.headers.get("x-router-deployment")).toBe("strong@fake")
    expect(response.headers.get("x-router-win-rate")).toBe("0.9000")
    let text = ""
    let finish: string | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ""
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(text).toBe(script.models!["strong-model"]!.reply)
    expect(finish).toBe("stop")
  })

  it("ends the raw event stream with data: [DONE]", async () => {
    const response = await fetch(`${running.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model: "weak", stream: true, messages: ask("hi") })
    })
    const events = (await response.text()).split("\n\n").filter((e) => e !== "")
    expect(events.length).toBeGreaterThan(2)
    expect(events[events.length - 1]).toBe("data: [DONE]")
    expect(events.slice(0, -1).every((e) => e.startsWith("data: {"))).toBe(true)
  })

  it("reports a stream broken after its first chunks as an error, not as a short answer", async () => {
    const stream = await running.client.chat.completions.create({
      model: "cut",
      stream: true,
      messages: ask("x")
    })
    const received: Array<string> = []
    const consume = async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "")
    }
    const error = await consume().then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain("stream")
    // Some chunks reached the client before the upstream broke: the error came mid-stream.
    const full = "one two three four five six"
    expect(received.join("").length).toBeGreaterThan(0)
    expect(full.startsWith(received.join(""))).toBe(true)
    expect(received.join("")).not.toBe(full)
  })
})

describe("an upstream error event in the middle of a stream", () => {
  it("ends the stream with our own classification, never the upstream's words", async () => {
    const response = await fetch(`${running.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model: "error-stream", stream: true, messages: ask("hi") })
    })
    expect(response.status).toBe(200)
    const events = (await response.text()).split("\n\n").filter((e) => e !== "")
    // One chunk reached the client, then the upstream sent `data: {"error": ...}` echoing its key.
    expect(events.length).toBeGreaterThanOrEqual(2)
    const last = events[events.length - 1]!
    expect(last).not.toBe("data: [DONE]")
    const { error } = JSON.parse(last.slice("data: ".length)) as {
      error: { message: string; code: string; failures: ReadonlyArray<{ deployment: string; kind: string }> }
    }
    expect(error.code).toBe("stream_interrupted")
    expect(error.failures).toEqual([{ deployment: "error-stream@fake", kind: "StreamInterrupted" }])
    expect(error.message).toBe(
      "error-stream@fake: the stream broke after 1 chunk(s) had reached the caller (Unavailable). The answer is incomplete; retry the request."
    )
    expect(last).not.toMatch(/Incorrect API key|Bearer|\*\*\*/)
    expect(last).not.toContain(apiKey)
  })
})

describe("GET /v1/models", () => {
  it("lists every route and the RouteLLM-style names", async () => {
    const ids: Array<string> = []
    for await (const model of running.client.models.list()) ids.push(model.id)
    expect(ids).toEqual(expect.arrayContaining(["main", "strong", "weak", "quality", "router-prompt-0.5"]))
  })
})

describe("POST /v1/route", () => {
  it("returns the plan without calling any model", async () => {
    const before = running.upstream.requests("strong-model")
    const response = await fetch(`${running.baseUrl}/route`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model: "quality", messages: ask("p=0.8 plan only") })
    })
    expect(response.status).toBe(200)
    const plan = (await response.json()) as {
      route: string
      winRate: number
      strong: boolean
      attempts: Array<string>
    }
    expect(plan.route).toBe("quality")
    expect(plan.winRate).toBe(0.8)
    expect(plan.strong).toBe(true)
    expect(plan.attempts).toEqual(["strong@fake"])
    expect(response.headers.get("x-router-win-rate")).toBe("0.8000")
    expect(running.upstream.requests("strong-model")).toBe(before)
  })
})

describe("GET /health and GET /metrics", () => {
  it("health answers without a key", async () => {
    const response = await fetch(`${running.origin}/health`)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { status: string; routes: number }
    expect(body.status).toBe("ok")
    expect(body.routes).toBe(11)
  })

  it("counts requests, attempts, failures, tokens, cost and the strong fraction", async () => {
    const before = await scrape()
    const strongBefore = metricValue(before, "llm_router_threshold_decisions_total", {
      route: "quality",
      side: "strong"
    })
    const weakBefore = metricValue(before, "llm_router_threshold_decisions_total", {
      route: "quality",
      side: "weak"
    })
    const okBefore = metricValue(before, "llm_router_requests_total", {
      endpoint: "chat_completions",
      route: "quality",
      status: "200"
    })
    const completionBefore = metricValue(before, "llm_router_tokens_total", {
      deployment: "weak@fake",
      type: "completion"
    })
    const { data } = await running.client.chat.completions
      .create({ model: "quality", messages: ask("p=0.1 cheap one") })
      .withResponse()
    await running.client.chat.completions.create({ model: "quality", messages: ask("p=0.95 hard one") })
    await running.client.chat.completions.create({ model: "quality", messages: ask("p=0.96 hard two") })
    const after = await scrape()
    expect(
      metricValue(after, "llm_router_requests_total", {
        endpoint: "chat_completions",
        route: "quality",
        status: "200"
      })
    ).toBe(okBefore + 3)
    const strong = metricValue(after, "llm_router_threshold_decisions_total", {
      route: "quality",
      side: "strong"
    })
    const weak = metricValue(after, "llm_router_threshold_decisions_total", {
      route: "quality",
      side: "weak"
    })
    expect(strong - strongBefore).toBe(2)
    expect(weak - weakBefore).toBe(1)
    expect(metricValue(after, "llm_router_strong_call_fraction", { route: "quality" })).toBeCloseTo(
      strong / (strong + weak),
      10
    )
    expect(
      metricValue(after, "llm_router_tokens_total", { deployment: "weak@fake", type: "completion" })
    ).toBe(completionBefore + data.usage!.completion_tokens)
    expect(
      metricValue(after, "llm_router_failures_total", { deployment: "flaky@fake", kind: "Unavailable" })
    ).toBeGreaterThan(0)
    expect(metricValue(after, "llm_router_cost_usd_total", { deployment: "weak@fake" })).toBeGreaterThan(0)
    expect(after).toMatch(/# TYPE llm_router_request_duration_seconds histogram/)
    expect(after).toMatch(
      /llm_router_time_to_first_token_seconds_bucket\{route="quality",deployment="strong@fake",le="\+Inf"\}/
    )
    expect(after).not.toContain(apiKey)
  })
})
