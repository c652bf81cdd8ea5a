import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect } from "effect"
import * as InFlightModule from "../../src/state/InFlight.ts"
import { InFlight } from "../../src/state/InFlight.ts"
import { leastBusy } from "../../src/strategies/leastBusy.ts"
import { candidates, context, deployment, ids, reasonFor } from "./fixtures.ts"

/** Puts `n` requests in flight on a deployment until `release` completes. */
const occupy = (id: string, n: number, release: Deferred.Deferred<void>) =>
  Effect.gen(function* () {
    const inFlight = yield* InFlight
    for (let index = 0; index < n; index++) {
      const started = yield* Deferred.make<void>()
      yield* Effect.fork(
        inFlight.track(id, Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(release)))
      )
      yield* Deferred.await(started)
    }
  })

describe("leastBusy", () => {
  it.effect("orders by requests in flight, fewest first, ties in input order", () =>
    Effect.gen(function* () {
      const release = yield* Deferred.make<void>()
      const a = deployment("a")
      const b = deployment("b")
      const c = deployment("c")
      yield* occupy("a", 3, release)
      yield* occupy("c", 1, release)
      const outcome = yield* leastBusy().apply(candidates(a, b, c), context("hi"))
      expect(ids(outcome)).toEqual(["b", "c", "a"])
      expect(outcome.summary).toBe("leastBusy: b 0 in flight, c 1 in flight, a 3 in flight")
      yield* Deferred.succeed(release, undefined)
    }).pipe(Effect.provide(InFlightModule.layerMemory))
  )

  it.effect("drops deployments at maxParallel and lets them back when requests finish", () =>
    Effect.gen(function* () {
      const release = yield* Deferred.make<void>()
      const capped = deployment("capped", { maxParallel: 2 })
      const open = deployment("open")
      yield* occupy("capped", 2, release)
      const outcome = yield* leastBusy().apply(candidates(capped, open), context("hi"))
      expect(ids(outcome)).toEqual(["open"])
      expect(reasonFor(outcome, "capped")).toBe("2 in flight, maxParallel 2")
      yield* Deferred.succeed(release, undefined)
      const inFlight = yield* InFlight
      // Wait until the tracked fibers have released their count.
      while ((yield* inFlight.count("capped")) > 0) yield* Effect.yieldNow()
      expect(ids(yield* leastBusy().apply(candidates(capped, open), context("hi")))).toEqual([
        "capped",
        "open"
      ])
    }).pipe(Effect.provide(InFlightModule.layerMemory))
  )
})
