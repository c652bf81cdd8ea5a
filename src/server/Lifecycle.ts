/**
 * Graceful shutdown. The lifecycle counts in-flight requests at the socket level (a request is in
 * flight until its response is finished or its connection closed, so a stream is in flight until
 * its last byte), and drains on shutdown:
 *
 * 1. stop accepting connections, answer new requests on open connections with 503 and
 *    `Connection: close`;
 * 2. wait until every in-flight request is finished, or `drainTimeoutMs` has passed;
 * 3. close what is left.
 *
 * @since 0.1.0
 */
import { Context, Deferred, Duration, Effect, Metric } from "effect"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import * as ServerMetrics from "./ServerMetrics.ts"

/**
 * The lifecycle of one server.
 * @since 0.1.0
 */
export interface LifecycleShape {
  readonly isDraining: () => boolean
  readonly inFlight: () => number
}

/** @since 0.1.0 */
export class Lifecycle extends Context.Tag("effect-llm-router/server/Lifecycle")<
  Lifecycle,
  LifecycleShape
>() {}

/**
 * Attaches request tracking to a Node server and returns the lifecycle plus its `drain` effect.
 *
 * @example
 * import { Effect } from "effect"
 * import { createServer } from "node:http"
 * import { Lifecycle } from "effect-llm-router/server"
 *
 * const server = createServer()
 * const { drain } = Lifecycle.track(server)
 * // on shutdown: yield* drain(30_000)
 *
 * @since 0.1.0
 */
export const track = (
  server: Server
): {
  readonly lifecycle: LifecycleShape
  readonly drain: (timeoutMs: number) => Effect.Effect<{ readonly forced: number }>
} => {
  let draining = false
  let inFlight = 0
  let idle: Deferred.Deferred<void> | undefined
  const gauge = (value: number) => Effect.runSync(Metric.set(ServerMetrics.inFlight, value))
  server.prependListener("request", (_request: IncomingMessage, response: ServerResponse) => {
    inFlight += 1
    gauge(inFlight)
    response.once("close", () => {
      inFlight -= 1
      gauge(inFlight)
      if (inFlight === 0 && idle !== undefined) Effect.runSync(Deferred.succeed(idle, undefined))
    })
  })
  const lifecycle: LifecycleShape = { isDraining: () => draining, inFlight: () => inFlight }
  const drain = (timeoutMs: number) =>
    Effect.gen(function* () {
      draining = true
      idle = yield* Deferred.make<void>()
      // Stop listening; connections stay open until their requests are done.
      server.close()
      server.closeIdleConnections()
      if (inFlight > 0) {
        yield* Effect.logInfo("draining in-flight requests").pipe(
          Effect.annotateLogs({ inFlight, timeoutMs })
        )
        // Finalizers run uninterruptibly; the wait itself must be interruptible for the timeout.
        yield* Deferred.await(idle).pipe(
          Effect.interruptible,
          Effect.timeoutOption(Duration.millis(timeoutMs))
        )
      }
      const forced = inFlight
      if (forced > 0)
        yield* Effect.logWarning("drain timeout: closing connections").pipe(Effect.annotateLogs({ forced }))
      server.closeAllConnections()
      return { forced }
    })
  return { lifecycle, drain }
}
