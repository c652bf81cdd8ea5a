/**
 * `Router`: plan a request over a route, and run it through providers with failover.
 *
 * @example
 * import { Effect } from "effect"
 * import { Router, State, Providers } from "effect-llm-router"
 *
 * const answer = Router.run(route, request).pipe(
 *   Effect.provide(Providers.OpenAICompatibleProvider.layer),
 *   Effect.provide(State.layerMemory)
 * )
 *
 * @since 0.1.0
 */
import type { Scope } from "effect"
import { Effect, Stream } from "effect"
import type { ChatCompletionChunk, ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { AllAttemptsFailed, NoRouteAvailable, StreamInterrupted } from "../core/Errors.ts"
import type { Requirements, RunOptions } from "../fallback/Runner.ts"
import * as Runner from "../fallback/Runner.ts"
import type { RouterError } from "../routers/WinRateRouter.ts"
import type { RoutedResult, RoutedStream } from "./LlmRouter.ts"
import type { PlanOptions } from "./Planner.ts"
import { plan } from "./Planner.ts"
import type { Route } from "./Route.ts"

export { plan } from "./Planner.ts"
export type { PlanOptions } from "./Planner.ts"
export { toJson as planToJson, toText as planToText } from "./PlanFormat.ts"

/**
 * Plans a request over a route and runs the plan: the answer, the plan and the decision trace.
 * @since 0.1.0
 */
export const run = <R>(
  route: Route<R>,
  request: ChatCompletionRequest,
  options: PlanOptions & RunOptions = {}
): Effect.Effect<RoutedResult, NoRouteAvailable | RouterError | AllAttemptsFailed, R | Requirements> =>
  Effect.flatMap(plan(route, request, { ...options, serving: true }), (planned) =>
    Effect.map(Runner.run(planned, request, options), (result) => ({ ...result, plan: planned }))
  )

/**
 * Plans a request and opens its stream; the stream is committed once its first chunk is delivered.
 * @since 0.1.0
 */
export const open = <R>(
  route: Route<R>,
  request: ChatCompletionRequest,
  options: PlanOptions & RunOptions = {}
): Effect.Effect<
  RoutedStream,
  NoRouteAvailable | RouterError | AllAttemptsFailed,
  R | Requirements | Scope.Scope
> =>
  Effect.flatMap(plan(route, request, { ...options, serving: true }), (planned) =>
    Effect.map(Runner.open(planned, request, options), (opened) => ({ ...opened, plan: planned }))
  )

/**
 * Plans a request and streams its chunks.
 * @since 0.1.0
 */
export const stream = <R>(
  route: Route<R>,
  request: ChatCompletionRequest,
  options: PlanOptions & RunOptions = {}
): Stream.Stream<
  ChatCompletionChunk,
  NoRouteAvailable | RouterError | AllAttemptsFailed | StreamInterrupted,
  R | Requirements
> =>
  Stream.unwrap(
    Effect.map(plan(route, request, { ...options, serving: true }), (planned) =>
      Runner.stream(planned, request, options)
    )
  )
