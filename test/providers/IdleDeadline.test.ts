import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, TestClock } from "effect"
import * as IdleDeadline from "../../src/providers/IdleDeadline.ts"

const timedOut = () => "timed out" as const
const rejected = (error: unknown) => `rejected: ${String(error)}`

/** Lets a few I/O turns and fiber yields pass (the watchdog's late check takes one of each). */
const settle = Effect.gen(function* () {
  for (let i = 0; i < 5; i++) {
    yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
    yield* Effect.yieldNow()
  }
})

/** A promise and the function that resolves it. */
const manual = <A>() => {
  let resolve!: (value: A) => void
  const promise = new Promise<A>((r) => (resolve = r))
  return { promise, resolve }
}

describe("IdleDeadline (TestClock)", () => {
  it.scoped("expires a wait that outlives the deadline, aborts once, and fails every later wait", () =>
    Effect.gen(function* () {
      let aborts = 0
      const deadline = yield* IdleDeadline.make(100, () => void (aborts += 1))
      const never = manual<number>()
      const fiber = yield* Effect.fork(Effect.either(deadline.wait(() => never.promise, rejected, timedOut)))
      yield* TestClock.adjust("99 millis")
      expect(fiber.unsafePoll()).toBeNull()
      expect(aborts).toBe(0)
      yield* TestClock.adjust("1 millis")
      // The abort is what makes a real read settle; here the test settles it afterwards.
      yield* settle
      expect(aborts).toBe(1)
      never.resolve(1)
      expect(yield* Fiber.join(fiber)).toEqual(Either.left("timed out"))
      expect(deadline.expired()).toBe(true)
      expect(yield* Effect.either(deadline.wait(() => Promise.resolve(2), rejected, timedOut))).toEqual(
        Either.left("timed out")
      )
      expect(aborts).toBe(1)
    })
  )

  it.scoped("counts each wait from its own start: time between waits (a slow reader) is free", () =>
    Effect.gen(function* () {
      let aborts = 0
      const deadline = yield* IdleDeadline.make(100, () => void (aborts += 1))
      for (let i = 0; i < 3; i++) {
        const answer = manual<number>()
        const fiber = yield* Effect.fork(deadline.wait(() => answer.promise, rejected, timedOut))
        yield* TestClock.adjust("80 millis")
        answer.resolve(i)
        expect(yield* Fiber.join(fiber)).toBe(i)
        // The reader takes far longer than the deadline before it asks for the next chunk.
        yield* TestClock.adjust("250 millis")
      }
      expect(aborts).toBe(0)
      expect(deadline.expired()).toBe(false)
    })
  )

  it.scoped("takes an answer that arrives in the I/O turn the deadline falls in", () =>
    Effect.gen(function* () {
      let aborts = 0
      const answer = manual<string>()
      // The answer's bytes are processed in the I/O turn the watchdog lets pass at the deadline.
      const pendingIo = Effect.promise(() => {
        answer.resolve("late but here")
        return answer.promise
      })
      const deadline = yield* IdleDeadline.make(100, () => void (aborts += 1), { pendingIo })
      const fiber = yield* Effect.fork(deadline.wait(() => answer.promise, rejected, timedOut))
      yield* TestClock.adjust("100 millis")
      expect(yield* Fiber.join(fiber)).toBe("late but here")
      yield* settle
      expect(aborts).toBe(0)
      expect(deadline.expired()).toBe(false)
    })
  )

  it.scoped("maps a rejection with onError", () =>
    Effect.gen(function* () {
      const deadline = yield* IdleDeadline.make(100, () => undefined)
      const failed = yield* Effect.either(
        deadline.wait(() => Promise.reject(new Error("reset")), rejected, timedOut)
      )
      expect(failed).toEqual(Either.left("rejected: Error: reset"))
      expect(deadline.expired()).toBe(false)
    })
  )

  it.scoped("a call that throws instead of rejecting is mapped with onError and ends its wait", () =>
    Effect.gen(function* () {
      let aborts = 0
      const deadline = yield* IdleDeadline.make(100, () => void (aborts += 1))
      const thrown = yield* Effect.either(
        deadline.wait(
          () => {
            throw new Error("bad arguments")
          },
          rejected,
          timedOut
        )
      )
      expect(thrown).toEqual(Either.left("rejected: Error: bad arguments"))
      yield* TestClock.adjust("500 millis")
      yield* settle
      expect(aborts).toBe(0)
      expect(deadline.expired()).toBe(false)
    })
  )

  it.scoped("an interrupted wait that settles later does not end the next one", () =>
    Effect.gen(function* () {
      let aborts = 0
      const deadline = yield* IdleDeadline.make(100, () => void (aborts += 1))
      const abandoned = manual<number>()
      const first = yield* Effect.fork(deadline.wait(() => abandoned.promise, rejected, timedOut))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(first)
      const stalled = manual<number>()
      const second = yield* Effect.fork(
        Effect.either(deadline.wait(() => stalled.promise, rejected, timedOut))
      )
      yield* Effect.yieldNow()
      abandoned.resolve(1)
      yield* TestClock.adjust("100 millis")
      yield* settle
      expect(aborts).toBe(1)
      stalled.resolve(2)
      expect(yield* Fiber.join(second)).toEqual(Either.left("timed out"))
    })
  )
})
