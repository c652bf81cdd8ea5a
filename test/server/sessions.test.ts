/**
 * Sticky sessions over HTTP: the turns of a conversation named by `x-session-id` stay on the
 * deployment that answered its first turn, even when the routers would now pick another one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "./harness.ts"
import { start } from "./harness.ts"

let running: Running
beforeAll(async () => {
  running = await start({})
})
afterAll(() => running.close())

const firstTurn = [{ role: "user" as const, content: "hello" }]
const secondTurn = [
  ...firstTurn,
  { role: "assistant" as const, content: "backup answer" },
  { role: "user" as const, content: "and then?" }
]

describe("sessions", () => {
  it("keeps a conversation on the deployment that answered its first turn", async () => {
    // Route `main` is fallback(flaky, backup); flaky fails only its first request.
    const first = await running.client.chat.completions
      .create({ model: "main", messages: firstTurn }, { headers: { "x-session-id": "conversation-1" } })
      .withResponse()
    expect(first.response.headers.get("x-router-deployment")).toBe("backup@fake")

    // Flaky is healthy now, so a conversation without a binding starts there again...
    const other = await running.client.chat.completions
      .create({ model: "main", messages: secondTurn }, { headers: { "x-session-id": "conversation-2" } })
      .withResponse()
    expect(other.response.headers.get("x-router-deployment")).toBe("flaky@fake")

    // ...but the first conversation sticks to backup, first try.
    const second = await running.client.chat.completions
      .create({ model: "main", messages: secondTurn }, { headers: { "x-session-id": "conversation-1" } })
      .withResponse()
    expect(second.response.headers.get("x-router-deployment")).toBe("backup@fake")
    expect(second.response.headers.get("x-router-attempts")).toBe("1")

    // The route-only endpoint shows the override as a decision.
    const plan = (await (
      await fetch(`${running.origin}/v1/route`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-session-id": "conversation-1" },
        body: JSON.stringify({ model: "main", messages: secondTurn })
      })
    ).json()) as { attempts: Array<string>; decisions: Array<{ node: string }> }
    expect(plan.attempts[0]).toBe("backup@fake")
    expect(plan.decisions[0]?.node).toBe("session")
  })
})
