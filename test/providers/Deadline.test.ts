import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, TestClock } from "effect"
import { withDeadline } from "../../src/providers/Deadline.ts"

const late = () => "late" as const

describe("withDeadline (TestClock)", () => {
  it.effect("fails after the deadline and interrupts the call", () =>
    Effect.gen(function* () {
      let interrupted = false
      const call = Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => void (interrupted = true))))
      const fiber = yield* Effect.fork(Effect.either(withDeadline(call, 100, late)))
      yield* TestClock.adjust("99 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(fiber)).toEqual(Either.left("late"))
      expect(interrupted).toBe(true)
    })
  )

  it.effect("an answer before the deadline passes through", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(withDeadline(Effect.as(Effect.sleep("10 millis"), 1), 100, late))
      yield* TestClock.adjust("10 millis")
      expect(yield* Fiber.join(fiber)).toBe(1)
    })
  )
})
