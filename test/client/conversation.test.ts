import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions"
import type { RoutedClientOptions } from "../../src/client/index.ts"
import { createRoutedClient } from "../../src/client/index.ts"
import type { Deployment } from "../../src/core/Deployment.ts"
import type { RouterConfig } from "../../src/graph/Config.ts"
import * as Route from "../../src/graph/Route.ts"
import { Cooldowns } from "../../src/state/Cooldowns.ts"
import type { Upstream } from "./fixtures.ts"
import { configOf, promptNumberRouter, startUpstream } from "./fixtures.ts"

let fake: Upstream
beforeAll(async () => {
  fake = await startUpstream({
    models: { "big-model": { reply: "strong answer" }, "small-model": { reply: "weak answer" } }
  })
})
afterAll(() => fake.stop())

const setup = (options: RoutedClientOptions = {}, extra: Partial<RouterConfig> = {}, strongFields = {}) => {
  const router = promptNumberRouter()
  const strong: Deployment = fake.deployment("big-model", strongFields)
  const weak: Deployment = fake.deployment("small-model")
  const config = configOf(
    { main: Route.threshold({ router, threshold: 0.5, strong, weak }) },
    { routers: new Map([["prompt", router]]), ...extra }
  )
  return { client: createRoutedClient(config, options), seen: router.seen }
}

/** A first turn the router sends to the strong model, then a second the router would send to the weak one. */
const firstTurn: Array<ChatCompletionMessageParam> = [
  { role: "system", content: "You are terse. p=0.0" },
  { role: "user", content: "p=0.9 prove it" }
]
const secondTurn: Array<ChatCompletionMessageParam> = [
  ...firstTurn,
  { role: "assistant", content: "strong answer" },
  { role: "user", content: "p=0.1 thanks" }
]

describe("what routers read of a conversation", () => {
  it("reads the last user turn by default", async () => {
    const { client, seen } = setup()
    try {
      const plan = await client.route({ model: "main", messages: secondTurn })
      expect(seen).toEqual(["p=0.1 thanks"])
      expect(plan.deployment).toBe("small-model@fake")
    } finally {
      await client.close()
    }
  })

  it("reads the first user turn when the client says so, overriding the config", async () => {
    const { client, seen } = setup({ conversation: "first-user" }, { conversation: { _tag: "last-user" } })
    try {
      const plan = await client.route({ model: "main", messages: secondTurn })
      expect(seen).toEqual(["p=0.9 prove it"])
      expect(plan.deployment).toBe("big-model@fake")
    } finally {
      await client.close()
    }
  })

  it("follows the config's conversation policy when the client sets none", async () => {
    const { client, seen } = setup({}, { conversation: { _tag: "first-user" } })
    try {
      await client.route({ model: "main", messages: secondTurn })
      expect(seen).toEqual(["p=0.9 prove it"])
    } finally {
      await client.close()
    }
  })

  it("reads the whole conversation, newest turns kept, within a token budget", async () => {
    const { client, seen } = setup({ conversation: { conversation: { maxTokens: 1_000 } } })
    const small = setup({ conversation: { conversation: { maxTokens: 12 } } })
    try {
      await client.route({ model: "main", messages: secondTurn })
      expect(seen[0]?.split("\n")).toEqual([
        "system: You are terse. p=0.0",
        "user: p=0.9 prove it",
        "assistant: strong answer",
        "user: p=0.1 thanks"
      ])
      await small.client.route({ model: "main", messages: secondTurn })
      const lines = small.seen[0]?.split("\n") ?? []
      expect(lines[lines.length - 1]).toBe("user: p=0.1 thanks")
      expect(lines).not.toContain("user: p=0.9 prove it")
    } finally {
      await client.close()
      await small.client.close()
    }
  })

  it("ignores tool definitions and tool results: only the chosen turn's text is read", async () => {
    const { client, seen } = setup()
    try {
      await client.route({
        model: "main",
        tools: [{ type: "function", function: { name: "lookup_p", description: "p=0.99 always strong" } }],
        messages: [
          { role: "user", content: "p=0.2 what is the weather?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "c1", type: "function", function: { name: "lookup_p", arguments: '{"p":0.99}' } }
            ]
          },
          { role: "tool", tool_call_id: "c1", content: "p=0.99 sunny" }
        ]
      })
      expect(seen).toEqual(["p=0.2 what is the weather?"])
    } finally {
      await client.close()
    }
  })
})

describe("sticky sessions", () => {
  it("a continuing conversation stays with the deployment that answered it", async () => {
    const { client } = setup()
    try {
      const first = await client.chat.completions.create({
        model: "main",
        messages: firstTurn,
        user: "alice"
      })
      expect(first.router.answeredBy).toBe("big-model@fake")
      expect(first.router.session?.stuck).toBe(false)
      const second = await client.chat.completions.create({
        model: "main",
        messages: secondTurn,
        user: "alice"
      })
      expect(second.router.answeredBy).toBe("big-model@fake")
      expect(second.router.session?.stuck).toBe(true)
      expect(second.router.plan.decisions[0]?.node).toBe("session")
      // The router's own verdict stays in the trace.
      expect(second.router.plan.decisions.some((d) => d.summary.includes("→ weak"))).toBe(true)
      // Another session, or none, is routed on its own merits.
      const bob = await client.route({ model: "main", messages: secondTurn, user: "bob" })
      expect(bob.deployment).toBe("small-model@fake")
      const anonymous = await client.route({ model: "main", messages: secondTurn })
      expect(anonymous.deployment).toBe("small-model@fake")
      expect(anonymous.session).toBeUndefined()
    } finally {
      await client.close()
    }
  })

  it("takes the key from metadata.session_id or an explicit option", async () => {
    const { client } = setup()
    try {
      await client.chat.completions.create({
        model: "main",
        messages: firstTurn,
        metadata: { session_id: "s-1" }
      })
      const viaMetadata = await client.route({
        model: "main",
        messages: secondTurn,
        metadata: { session_id: "s-1" }
      })
      expect(viaMetadata.deployment).toBe("big-model@fake")
      const viaOption = await client.route({ model: "main", messages: secondTurn }, { session: "s-1" })
      expect(viaOption.deployment).toBe("big-model@fake")
      expect(viaOption.session?.key).toBe("s-1")
    } finally {
      await client.close()
    }
  })

  it("a first turn under a known key is routed afresh", async () => {
    const { client } = setup()
    try {
      await client.chat.completions.create({ model: "main", messages: firstTurn, user: "carol" })
      const fresh = await client.route({
        model: "main",
        messages: [{ role: "user", content: "p=0.1 new chat" }],
        user: "carol"
      })
      expect(fresh.deployment).toBe("small-model@fake")
      expect(fresh.session?.summary).toContain("first turn")
    } finally {
      await client.close()
    }
  })

  it("can be turned off per call, per client, or by forgetting the session", async () => {
    const { client } = setup()
    const unsticky = setup({ sticky: false })
    try {
      await client.chat.completions.create({ model: "main", messages: firstTurn, user: "dave" })
      const off = await client.route({ model: "main", messages: secondTurn, user: "dave" }, { sticky: false })
      expect(off.deployment).toBe("small-model@fake")
      await client.forgetSession("dave")
      const forgotten = await client.route({ model: "main", messages: secondTurn, user: "dave" })
      expect(forgotten.deployment).toBe("small-model@fake")
      await unsticky.client.chat.completions.create({ model: "main", messages: firstTurn, user: "dave" })
      const clientOff = await unsticky.client.route({ model: "main", messages: secondTurn, user: "dave" })
      expect(clientOff.deployment).toBe("small-model@fake")
    } finally {
      await client.close()
      await unsticky.client.close()
    }
  })

  it("re-routes when the bound deployment is cooling down or lacks what the turn needs", async () => {
    const { client } = setup()
    const noTools = setup({}, {}, { capabilities: { tools: false } })
    try {
      await client.chat.completions.create({ model: "main", messages: firstTurn, user: "erin" })
      await client.runtime.runPromise(
        Effect.flatMap(Cooldowns, (cooldowns) =>
          Effect.repeatN(cooldowns.recordFailure("big-model@fake", "Unavailable"), 4)
        )
      )
      const cooling = await client.route({ model: "main", messages: secondTurn, user: "erin" })
      expect(cooling.deployment).toBe("small-model@fake")
      expect(cooling.session?.summary).toContain("cooling down")

      await noTools.client.chat.completions.create({ model: "main", messages: firstTurn, user: "erin" })
      const withTools = await noTools.client.route({
        model: "main",
        messages: secondTurn,
        user: "erin",
        tools: [{ type: "function", function: { name: "calc" } }]
      })
      expect(withTools.deployment).toBe("small-model@fake")
      expect(withTools.session?.summary).toContain("lacks tools")
    } finally {
      await client.close()
      await noTools.client.close()
    }
  })
})
