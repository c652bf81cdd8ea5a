import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { tags } from "../../src/strategies/tags.ts"
import { candidates, context, deployment, ids, reasonFor } from "./fixtures.ts"

const eu = deployment("eu", { tags: ["gdpr", "fast"], region: "eu-west-1" })
const us = deployment("us", { tags: ["fast"], region: "us-east-1" })
const bare = deployment("bare")

describe("tags", () => {
  it.effect("keeps deployments with every required tag, in order", () =>
    Effect.gen(function* () {
      const outcome = yield* tags({ required: ["fast"] }).apply(candidates(us, bare, eu), context("hi"))
      expect(ids(outcome)).toEqual(["us", "eu"])
      expect(reasonFor(outcome, "bare")).toBe("missing tag fast")
      const both = yield* tags({ required: ["gdpr", "fast", "hipaa"] }).apply(candidates(eu), context("hi"))
      expect(reasonFor(both, "eu")).toBe("missing tag hipaa")
    })
  )

  it.effect("filters by region, one or several", () =>
    Effect.gen(function* () {
      const one = yield* tags({ region: "eu-west-1" }).apply(candidates(eu, us, bare), context("hi"))
      expect(ids(one)).toEqual(["eu"])
      expect(reasonFor(one, "us")).toBe("region us-east-1, needs eu-west-1")
      expect(reasonFor(one, "bare")).toBe("region not set, needs eu-west-1")
      const several = yield* tags({ region: ["us-east-1", "eu-west-1"] }).apply(
        candidates(eu, us, bare),
        context("hi")
      )
      expect(ids(several)).toEqual(["eu", "us"])
    })
  )

  it.effect("combines tags and region and says what it required", () =>
    Effect.gen(function* () {
      const outcome = yield* tags({ required: ["gdpr"], region: "us-east-1" }).apply(
        candidates(eu, us),
        context("hi")
      )
      expect(ids(outcome)).toEqual([])
      expect(reasonFor(outcome, "eu")).toBe("region eu-west-1, needs us-east-1")
      expect(reasonFor(outcome, "us")).toBe("missing tag gdpr")
      expect(outcome.summary).toMatch(/^tags: requires tags gdpr, region us-east-1; kept 0 of 2/)
    })
  )

  it.effect("keeps everything when nothing is required", () =>
    Effect.gen(function* () {
      const outcome = yield* tags({}).apply(candidates(eu, us, bare), context("hi"))
      expect(ids(outcome)).toEqual(["eu", "us", "bare"])
    })
  )
})
