import { describe, expect, it } from "@effect/vitest"
import {
  chatBody,
  compare,
  highestSustained,
  sustained,
  toOverheadJson,
  toRows
} from "../../bench/gatewayOverhead.ts"
import type { LoadResult } from "../../bench/loadGenerator.ts"

const result = (latencies: ReadonlyArray<number>, overrides: Partial<LoadResult> = {}): LoadResult => ({
  offeredRps: 100,
  sent: latencies.length,
  ok: latencies.length,
  errors: 0,
  achievedRps: 100,
  latenciesMs: latencies,
  firstByteMs: latencies,
  errorKinds: {},
  ...overrides
})

describe("compare", () => {
  it("reports the gateway's percentile minus the direct percentile", () => {
    // p50 of [2, 4, 6] is 4 and of [1, 2, 3] is 2; p99: 5.96 and 2.98 (position 1.98).
    const detail = compare("effect-llm-router", false, result([2, 4, 6]), result([1, 2, 3]))
    expect(detail.addedP50Ms).toBe(2)
    expect(detail.addedP99Ms).toBeCloseTo(2.98, 10)
    expect(detail.sustained).toBe(true)
  })
})

describe("sustained", () => {
  it("needs no errors and at least 90 % of the offered rate completed", () => {
    expect(sustained({ errors: 0, achievedRps: 90, offeredRps: 100 })).toBe(true)
    expect(sustained({ errors: 0, achievedRps: 89, offeredRps: 100 })).toBe(false)
    expect(sustained({ errors: 1, achievedRps: 100, offeredRps: 100 })).toBe(false)
  })
})

describe("highestSustained", () => {
  it("is the highest rate without errors per gateway and mode, 0 when none", () => {
    const details = [
      compare("portkey", false, result([1], { offeredRps: 100 }), result([1])),
      compare("portkey", false, result([1], { offeredRps: 500, achievedRps: 500 }), result([1])),
      compare("portkey", false, result([1], { offeredRps: 1000, errors: 3 }), result([1])),
      compare("portkey", true, result([1], { offeredRps: 100, errors: 1 }), result([1]))
    ]
    expect(highestSustained(details, "portkey", false)).toBe(500)
    expect(highestSustained(details, "portkey", true)).toBe(0)
  })
})

describe("the --json shape", () => {
  it("has exactly the keys other tools read", () => {
    const gateway = toRows([compare("portkey", true, result([3]), result([1]))])
    const json = toOverheadJson({
      decision: [{ router: "router: mf", embedder: "static", p50Ms: 1, p99Ms: 2, perSecond: 3 }],
      gateway
    })
    expect(Object.keys(json).sort()).toEqual(["decision", "gateway"])
    expect(Object.keys(json.decision[0]!).sort()).toEqual([
      "embedder",
      "p50Ms",
      "p99Ms",
      "perSecond",
      "router"
    ])
    expect(Object.keys(json.gateway[0]!).sort()).toEqual([
      "addedP50Ms",
      "addedP99Ms",
      "errors",
      "name",
      "rps",
      "stream"
    ])
    expect(json.gateway[0]).toMatchObject({ name: "portkey", stream: true, rps: 100 })
  })
})

describe("chatBody", () => {
  it("is an OpenAI chat completion with a distinct user per request", () => {
    const body = JSON.parse(chatBody("bench-model", true)(7)) as {
      model: string
      stream: boolean
      user: string
      messages: Array<{ role: string }>
    }
    expect(body).toMatchObject({ model: "bench-model", stream: true, user: "bench-7" })
    expect(body.messages[0]!.role).toBe("user")
  })
})
