/**
 * One deadline watchdog for a whole stream, instead of one deadline race per chunk.
 *
 * `withDeadline` forks the call and a timer and races them; per chunk of a stream that is two or
 * three fibers and a timer for every token, which made streaming cost about twice the CPU of a JSON
 * answer through the gateway. `IdleDeadline` keeps the same contract with one fiber per stream:
 *
 * - each `wait` (the request, then every read of the next chunk) must settle within `ms` of its
 *   start; time the caller spends between waits (a slow client) does not count;
 * - past the deadline the watchdog lets pending I/O be processed once (one `setImmediate` turn and
 *   a yield, as `withDeadline` does) and takes the answer if it arrived meanwhile, so a busy event
 *   loop does not turn an answer already in the socket buffer into a timeout;
 * - otherwise it marks the deadline expired and calls `abort` (which aborts the HTTP request, so the
 *   pending read settles), and that wait fails with its `onTimeout()`.
 *
 * Time is read from Effect's `Clock`, so `TestClock` drives it. The watchdog sleeps until the
 * current wait's deadline and re-arms from there; between chunks it touches no timer.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"
import type { Scope } from "effect"
import { afterPendingIo } from "./Deadline.ts"

/**
 * A stream's deadline (see the module comment).
 *
 * @since 0.1.0
 */
export interface IdleDeadline {
  /**
   * Runs one wait for the upstream. `call` starts it; `onError` maps its rejection; `onTimeout`
   * builds the failure when the watchdog expired the wait (whatever the promise did afterwards).
   */
  readonly wait: <A, E, E2>(
    call: () => PromiseLike<A>,
    onError: (error: unknown) => E,
    onTimeout: () => E2
  ) => Effect.Effect<A, E | E2>
  /** True once a wait has been expired; the stream is then aborted and unusable. */
  readonly expired: () => boolean
}

/**
 * Starts the watchdog in the current scope (closing the scope stops it).
 *
 * @example
 * import { Effect } from "effect"
 * import { IdleDeadline } from "effect-llm-router/providers"
 *
 * Effect.gen(function* () {
 *   const controller = new AbortController()
 *   const deadline = yield* IdleDeadline.make(30_000, () => controller.abort())
 *   const next = deadline.wait(() => iterator.next(), classify, () => new Timeout({ ... }))
 * })
 *
 * @since 0.1.0
 */
export const make = (
  ms: number,
  abort: () => void,
  options: {
    /** How the watchdog lets pending I/O land before it expires a wait (tests replace it). */
    readonly pendingIo?: Effect.Effect<void>
  } = {}
): Effect.Effect<IdleDeadline, never, Scope.Scope> =>
  Effect.gen(function* () {
    const pendingIo = options.pendingIo ?? Effect.zipRight(afterPendingIo, Effect.yieldNow())
    const state = { waiting: false, since: 0, settled: 0, current: 0, expired: false }
    const watchdog = Effect.gen(function* () {
      while (true) {
        const now = yield* Clock.currentTimeMillis
        const due = state.since + ms
        if (!state.waiting || now < due) {
          // Not waiting: any wait that starts now is due within `ms`, so re-check then.
          yield* Effect.sleep(Duration.millis(state.waiting ? due - now : ms))
          continue
        }
        const seen = state.settled
        yield* pendingIo
        if (state.settled !== seen || !state.waiting) continue
        state.expired = true
        abort()
        return
      }
    })
    yield* Effect.forkScoped(watchdog)
    const wait = <A, E, E2>(
      call: () => PromiseLike<A>,
      onError: (error: unknown) => E,
      onTimeout: () => E2
    ): Effect.Effect<A, E | E2> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (state.expired) return Effect.fail(onTimeout())
        state.since = now
        state.waiting = true
        const id = ++state.current
        // Settling is recorded in the promise's own continuation, before the fiber resumes, so the
        // watchdog's late check sees an answer that has arrived even if this fiber has not run yet.
        // (A wait interrupted earlier may settle later: it must not end a newer wait.)
        const done = () => {
          if (state.current !== id) return
          state.waiting = false
          state.settled += 1
        }
        const settle = <B>(value: B) => {
          done()
          return value
        }
        const fail = (error: unknown): never => {
          done()
          throw error
        }
        return Effect.tryPromise({
          try: () => {
            let started: PromiseLike<A>
            try {
              started = call()
            } catch (error) {
              return fail(error) // a call that throws instead of rejecting ends its wait too
            }
            return Promise.resolve(started).then(settle, fail)
          },
          catch: (error) => error
        }).pipe(
          Effect.matchEffect({
            onFailure: (error) => Effect.fail(state.expired ? onTimeout() : onError(error)),
            onSuccess: (value) => (state.expired ? Effect.fail(onTimeout()) : Effect.succeed(value))
          }),
          Effect.onInterrupt(() => Effect.sync(done))
        )
      })
    return { wait, expired: () => state.expired }
  })
