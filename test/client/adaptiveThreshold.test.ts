/**
 * An adaptive threshold route through the in-process client and a real fake upstream: served
 * requests move the controller towards the target strong fraction; `client.route` (a dry run)
 * reads the threshold without moving it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createRoutedClient } from "../../src/client/index.ts"
import * as Route from "../../src/graph/Route.ts"
import * as Calibration from "../../src/routers/Calibration.ts"
import type { Upstream } from "./fixtures.ts"
import { configOf, promptNumberRouter, startUpstream } from "./fixtures.ts"

let fake: Upstream
beforeAll(async () => {
  fake = await startUpstream({
    models: { "big-model": { reply: "strong answer" }, "small-model": { reply: "weak answer" } }
  })
})
afterAll(() => fake.stop())

describe("adaptive threshold", () => {
  it("served requests hold the target strong fraction; dry runs leave the controller alone", async () => {
    const router = promptNumberRouter()
    const controller = await Effect.runPromise(
      Calibration.makeController({ target: { strongFraction: 0.2 }, initialThreshold: 0.5, gain: 0.05 })
    )
    const config = configOf(
      {
        main: Route.threshold({
          router,
          threshold: 0.5,
          adaptive: controller,
          strong: fake.deployment("big-model"),
          weak: fake.deployment("small-model")
        })
      },
      { routers: new Map([["prompt", router]]) }
    )
    const client = createRoutedClient(config)
    try {
      // Win rates spread evenly over [0, 1): a fixed threshold of 0.5 would send half strong.
      const rates = Array.from({ length: 300 }, (_, index) => ((index * 37) % 300) / 300)
      const models: Array<string> = []
      for (const rate of rates) {
        const answer = await client.chat.completions.create({
          model: "main",
          messages: [{ role: "user", content: `p=${rate.toFixed(4)}` }]
        })
        models.push(answer.model)
      }
      const state = await Effect.runPromise(controller.state)
      expect(state.decisions).toBe(300)
      // Over the last 200 requests, about a fifth went strong (a fixed 0.5 would give a half).
      const late = models.slice(100).filter((model) => model === "big-model").length / 200
      expect(late).toBeGreaterThan(0.12)
      expect(late).toBeLessThan(0.28)
      expect(state.threshold).toBeGreaterThan(0.7)

      const planned = await client.route({ model: "main", messages: [{ role: "user", content: "p=0.99" }] })
      expect(planned.model).toBe("big-model")
      expect(JSON.stringify(planned)).toContain("(adaptive)")
      const after = await Effect.runPromise(controller.state)
      expect(after).toEqual(state)
    } finally {
      await client.close()
    }
  }, 60_000)
})
