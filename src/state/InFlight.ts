/**
 * Requests currently in flight per deployment, for `leastBusy` and `maxParallel`.
 *
 * @since 0.1.0
 */
import type { Scope } from "effect"
import { Context, Effect, Layer } from "effect"

/** @since 0.1.0 */
export interface InFlightShape {
  readonly count: (deployment: string) => Effect.Effect<number>
  /** Runs an effect counted as in flight on a deployment; the count drops however it ends. */
  readonly track: <A, E, R>(deployment: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * Counts one request in flight on a deployment until the current scope closes (a stream: its
   * scope lives as long as the stream), without a fiber to hold it.
   */
  readonly enter: (deployment: string) => Effect.Effect<void, never, Scope.Scope>
}

/**
 * In-flight request counter.
 * @since 0.1.0
 */
export class InFlight extends Context.Tag("effect-llm-router/InFlight")<InFlight, InFlightShape>() {}

/** @since 0.1.0 */
export const makeMemory = (): InFlightShape => {
  const counts = new Map<string, number>()
  const add = (deployment: string, delta: number) =>
    Effect.sync(() => counts.set(deployment, Math.max(0, (counts.get(deployment) ?? 0) + delta)))
  return {
    count: (deployment) => Effect.sync(() => counts.get(deployment) ?? 0),
    track: (deployment, effect) =>
      Effect.acquireUseRelease(
        add(deployment, 1),
        () => effect,
        () => add(deployment, -1)
      ),
    enter: (deployment) => Effect.asVoid(Effect.acquireRelease(add(deployment, 1), () => add(deployment, -1)))
  }
}

/** @since 0.1.0 */
export const layerMemory: Layer.Layer<InFlight> = Layer.sync(InFlight, makeMemory)
