/**
 * Timeouts that do not cry wolf. A plain timeout races a timer against the call; when the process
 * is busy (a blocked or saturated event loop), the timer's callback and the answer's bytes become
 * ready in the same turn, and timers run first — so the call is declared timed out although its
 * answer is already in the socket buffer, and failover calls another deployment: the request is
 * answered twice. `withDeadline` lets pending I/O be processed once (one `setImmediate` turn, after
 * the poll phase) before it gives up, and takes the answer if it arrived.
 *
 * Time is measured with Effect's `Clock`, so `TestClock` drives it.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Exit, Fiber, Option } from "effect"

/**
 * Resumes after one `setImmediate` turn: I/O that was ready when it started (an answer's bytes in the
 * socket buffer) has been processed by then.
 *
 * @since 0.1.0
 */
export const afterPendingIo: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/**
 * Runs `effect` with a deadline of `ms`; past it, after one more I/O turn, interrupts it (which
 * aborts its HTTP request) and fails with `onTimeout()`.
 *
 * @example
 * import { Effect } from "effect"
 * import { withDeadline } from "effect-llm-router/providers/Deadline"
 *
 * withDeadline(callUpstream, 30_000, () => new Timeout({ deployment: "d", afterMs: 30_000, message: "slow" }))
 *
 * @since 0.1.0
 */
export const withDeadline = <A, E, R, E2>(
  effect: Effect.Effect<A, E, R>,
  ms: number,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    const settled = yield* Effect.timeoutOption(Fiber.await(fiber), Duration.millis(ms))
    if (Option.isSome(settled)) return yield* settled.value
    yield* afterPendingIo
    yield* Effect.yieldNow()
    const late = yield* Fiber.poll(fiber)
    if (Option.isSome(late) && Exit.isSuccess(late.value)) return late.value.value
    yield* Fiber.interrupt(fiber)
    return yield* Effect.fail(onTimeout())
  })
