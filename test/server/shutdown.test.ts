/**
 * Graceful shutdown: closing the server lets in-flight requests, streams included, finish before
 * the server is gone, takes no new connections meanwhile, and cuts what outlives the drain
 * timeout (as an error the client sees, never as a clean answer).
 */
import type OpenAI from "openai"
import { describe, expect, it } from "vitest"
import { script, start } from "./harness.ts"

const slowReply = script.models!["slow"]!.reply!

/** Consumes a stream; resolves with its text, or rejects with the error that ended it. */
const collect = async (
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
  onFirst: () => void
) => {
  let text = ""
  let finish: string | null = null
  for await (const chunk of stream) {
    if (text === "") onFirst()
    text += chunk.choices[0]?.delta.content ?? ""
    finish = chunk.choices[0]?.finish_reason ?? finish
  }
  return { text, finish }
}

describe("graceful shutdown", () => {
  it("drains in-flight streams and JSON requests before closing", async () => {
    const running = await start()
    try {
      let started = 0
      let allStarted: () => void = () => {}
      const startedPromise = new Promise<void>((resolve) => (allStarted = resolve))
      const onFirst = () => {
        started += 1
        if (started === 3) allStarted()
      }
      const streams = [1, 2, 3].map(async () =>
        collect(
          await running.client.chat.completions.create({
            model: "slow",
            stream: true,
            messages: [{ role: "user", content: "hi" }]
          }),
          onFirst
        )
      )
      await startedPromise
      const json = running.client.chat.completions.create({
        model: "slow-json",
        messages: [{ role: "user", content: "hi" }]
      })
      // Let the JSON request reach the server before shutting down.
      while (running.inFlight() < 4) await new Promise((resolve) => setTimeout(resolve, 5))

      const closed = running.closeServer()
      // New connections are refused (or told to go away) while draining.
      while (!running.draining()) await new Promise((resolve) => setTimeout(resolve, 5))
      const late = await fetch(`${running.origin}/health`).then(
        (response) => response.status,
        () => "refused" as const
      )
      expect([503, "refused"]).toContain(late)

      const results = await Promise.all(streams)
      for (const result of results) {
        expect(result.text).toBe(slowReply)
        expect(result.finish).toBe("stop")
      }
      expect((await json).choices[0]?.message.content).toBe(script.models!["slow-json"]!.reply)
      // The server closed only once nothing was in flight (and the streams above were not cut).
      await closed
      expect(running.inFlight()).toBe(0)
    } finally {
      await running.close()
    }
  })

  it("cuts a stream that outlives the drain timeout, and the client sees an error", async () => {
    const running = await start({ drainTimeoutMs: 100 })
    try {
      let first: () => void = () => {}
      const firstChunk = new Promise<void>((resolve) => (first = resolve))
      const outcome = running.client.chat.completions
        .create({ model: "slow", stream: true, messages: [{ role: "user", content: "hi" }] })
        .then((stream) => collect(stream, first))
        .then(
          (result) => ({ ok: true as const, result }),
          (error: unknown) => ({ ok: false as const, error })
        )
      await firstChunk
      await running.closeServer()
      const settled = await outcome
      expect(settled.ok).toBe(false)
    } finally {
      await running.close()
    }
  })
})
