/**
 * A request the router cannot build for an upstream (here: a provider that adds a value JSON cannot
 * encode) is the router's failure, not the deployment's: a 500 with no details, no call made, no
 * retry or fallback to other deployments, and the deployments stay healthy for the next request.
 */
import { Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ChatCompletionRequest } from "../../src/core/ChatCompletion.ts"
import * as OpenAICompatibleProvider from "../../src/providers/OpenAICompatibleProvider.ts"
import { Provider } from "../../src/providers/Provider.ts"
import type { InProcess } from "./harness.ts"
import { apiKey, apiKeyEnv, startInProcess } from "./harness.ts"

/** The real provider, except that a prompt saying "unsendable" gets a BigInt field added. */
const poisoning = Layer.sync(Provider, () => {
  const real = OpenAICompatibleProvider.make()
  const poison = (request: ChatCompletionRequest): ChatCompletionRequest =>
    JSON.stringify(request.messages).includes("unsendable")
      ? ({ ...request, x: 1n } as unknown as ChatCompletionRequest)
      : request
  return {
    complete: (deployment, request, signal) => real.complete(deployment, poison(request), signal),
    stream: (deployment, request) => real.stream(deployment, poison(request)),
    open: (deployment, request) => real.open!(deployment, poison(request))
  }
})

let router: InProcess
beforeAll(async () => {
  router = await startInProcess({ apiKeyEnvs: [apiKeyEnv] }, poisoning)
})
afterAll(() => router.close())

const post = async (body: unknown) => {
  const response = await router.handler(
    new Request("http://router/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(body)
    })
  )
  return { status: response.status, headers: response.headers, text: await response.text() }
}

describe("a request that cannot be built for the upstream", () => {
  it("is a 500 of the router's own, with no call, no failover and no harm to the deployments", async () => {
    const before = ["flaky", "backup", "weak-model"].map((model) => router.upstream.requests(model))
    // Far more than it takes to open a circuit, were these counted as the deployments' failures.
    for (let i = 0; i < 4; i++) {
      for (const model of ["main", "weak"]) {
        for (const stream of [false, true]) {
          const response = await post({ model, stream, messages: [{ role: "user", content: "unsendable" }] })
          expect(response.status).toBe(500)
          expect(JSON.parse(response.text)).toMatchObject({
            error: { type: "server_error", code: "internal_error" }
          })
          expect(response.headers.get("x-router-failures")).toBeNull()
        }
      }
    }
    expect(["flaky", "backup", "weak-model"].map((model) => router.upstream.requests(model))).toEqual(before)
    // Nothing is cooling down: each route's first deployment is asked first.
    const weak = await post({ model: "weak", messages: [{ role: "user", content: "hello" }] })
    expect(weak.status).toBe(200)
    expect(weak.headers.get("x-router-attempts")).toBe("1")
    const main = await post({ model: "main", messages: [{ role: "user", content: "hello" }] })
    expect(main.status).toBe(200)
    // `flaky` fails its first request: it was asked first, so its circuit was closed.
    expect(main.headers.get("x-router-failures")).toBe("flaky@fake=Unavailable")
    expect(main.headers.get("x-router-deployment")).toBe("backup@fake")
  })
})
