import { describe, expect, it } from "@effect/vitest"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { percentile, runOpenLoop, schedule } from "../../bench/loadGenerator.ts"

describe("percentile", () => {
  it("interpolates linearly between order statistics (numpy's default)", () => {
    // Worked by hand: position = (n − 1)·p/100.
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5) // position 1.5
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20) // position 1
    expect(percentile([10, 20, 30, 40, 50], 90)).toBe(46) // position 3.6 → 40 + 0.6·10
    expect(percentile([1, 2, 3, 4], 0)).toBe(1)
    expect(percentile([1, 2, 3, 4], 100)).toBe(4)
    expect(percentile([7], 99)).toBe(7)
  })

  it("is NaN for an empty list", () => {
    expect(percentile([], 50)).toBeNaN()
  })
})

describe("schedule", () => {
  it("spaces requests 1000/rps ms apart, open-loop", () => {
    expect(schedule({ rps: 4, durationMs: 1000 })).toEqual([0, 250, 500, 750])
    expect(schedule({ rps: 10, durationMs: 0 })).toEqual([])
  })
})

describe("runOpenLoop", () => {
  it("sends every scheduled request and counts non-2xx answers as errors", async () => {
    let received = 0
    const server = createServer((request, response) => {
      request.resume()
      request.on("end", () => {
        received++
        response.statusCode = received % 2 === 0 ? 500 : 200
        response.end("{}")
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    try {
      const result = await runOpenLoop(
        {
          url: `http://127.0.0.1:${port}/v1/chat/completions`,
          headers: {},
          body: (index) => JSON.stringify({ index })
        },
        { rps: 200, durationMs: 100 }
      )
      expect(result.sent).toBe(20)
      expect(received).toBe(20)
      expect(result.ok).toBe(10)
      expect(result.errors).toBe(10)
      expect(result.errorKinds).toEqual({ "HTTP 500": 10 })
      expect(result.latenciesMs).toHaveLength(10)
      expect([...result.latenciesMs]).toEqual([...result.latenciesMs].sort((a, b) => a - b))
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it("aborts a request still unanswered at its deadline and counts it as a timeout", async () => {
    const server = createServer((request) => request.resume())
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    try {
      const result = await runOpenLoop(
        { url: `http://127.0.0.1:${port}/`, headers: {}, body: () => "{}" },
        { rps: 20, durationMs: 100, timeoutMs: 200 }
      )
      expect(result.sent).toBe(2)
      expect(result.errorKinds).toEqual({ timeout: 2 })
      expect(result.latenciesMs).toEqual([])
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it("counts a refused connection as an error instead of hanging", async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    await new Promise((resolve) => server.close(resolve))
    const result = await runOpenLoop(
      { url: `http://127.0.0.1:${port}/`, headers: {}, body: () => "{}" },
      { rps: 50, durationMs: 100 }
    )
    expect(result.sent).toBe(5)
    expect(result.ok).toBe(0)
    expect(result.errors).toBe(5)
  })
})
