/**
 * The routed client's one implementation, as Effects: plan a request (capability filter on every
 * candidate set, the config's conversation policy, sticky sessions), run or stream it through the
 * `Runner`, and remember which deployment answered the session. The Promise client
 * (`createRoutedClient`) runs these same Effects on its `ManagedRuntime`.
 *
 * @since 0.1.0
 */
import type { Scope } from "effect"
import { Effect } from "effect"
import type { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { AllAttemptsFailed, NoRouteAvailable, StreamInterrupted } from "../core/Errors.ts"
import type { RouterError } from "../routers/WinRateRouter.ts"
import type { Attempt, Plan, SessionDecision } from "../core/Plan.ts"
import { attempts } from "../core/Plan.ts"
import type * as Runner from "../fallback/Runner.ts"
import type { RunTrace } from "../fallback/Trace.ts"
import { LlmRouter } from "../graph/LlmRouter.ts"
import type { Provider } from "../providers/Provider.ts"
import type { RouterState } from "../state/index.ts"
import { explainMissingCapabilities } from "./capabilityRouting.ts"

/**
 * Per-call options, beyond the request itself.
 * @since 0.1.0
 */
export interface CallOptions {
  /** Session key of the conversation (default: `metadata.session_id`, else `user`). */
  readonly session?: string
  /** `false` routes this turn afresh even if its session is bound (default: the client's `sticky`). */
  readonly sticky?: boolean
  /** Most deployment calls in this run, retries included. */
  readonly maxAttempts?: number
  /** Deadline of the whole run in ms (streams: until the first chunk). */
  readonly timeoutMs?: number
}

/**
 * Call options as the Effect API takes them: the per-call options plus the client's default.
 * @since 0.1.0
 */
export interface RoutedCallOptions extends CallOptions {
  /** Whether calls that do not set `sticky` stick to their session (default `true`). */
  readonly defaultSticky?: boolean
}

/**
 * Services a routed call needs.
 * @since 0.1.0
 */
export type RoutedChatServices = LlmRouter | RouterState | Provider

/**
 * One attempt of a plan, plainly.
 * @since 0.1.0
 */
export interface PlannedAttempt {
  /** Deployment id, e.g. `gpt-4o@openai`. */
  readonly deployment: string
  /** The model name the deployment's provider is called with, e.g. `gpt-4o`. */
  readonly model: string
  readonly path: string
  readonly reasons: ReadonlyArray<string>
}

/**
 * A plan, for route-only calls: the routed model first, then everything that led there.
 * @since 0.1.0
 */
export interface RoutedPlan {
  /** The route asked for (the request's `model`). */
  readonly route: string
  /** The model that would be called first (`attempts[0].model`): what RouteLLM users ask for. */
  readonly model: string
  /** Its deployment id (`attempts[0].deployment`). */
  readonly deployment: string
  /** Every attempt in the order it would be tried if each one before it failed. */
  readonly attempts: ReadonlyArray<PlannedAttempt>
  /** The win rate of the first threshold node on the chosen path, if any. */
  readonly winRate?: number
  readonly strong?: boolean
  /** Stickiness, when the request has a session key. */
  readonly session?: SessionDecision
  /** The full plan tree and its decisions. */
  readonly plan: Plan
}

/**
 * The decision trace a routed answer carries.
 * @since 0.1.0
 */
export interface RouterDecision extends RoutedPlan {
  /** The deployment id that answered. */
  readonly answeredBy: string
  /** The model name that answered. */
  readonly answeredByModel: string
  /** Every attempt made, skipped or cancelled, with tokens, cost and latency. Streams: final once ended. */
  readonly trace: RunTrace
}

const plainAttempt = (attempt: Attempt): PlannedAttempt => ({
  deployment: attempt.deployment.id,
  model: attempt.deployment.model,
  path: attempt.path,
  reasons: attempt.reasons
})

const toRoutedPlan = (plan: Plan, session: SessionDecision | undefined): RoutedPlan => {
  const planned = attempts(plan.root).map(plainAttempt)
  const first = planned[0]
  return {
    route: plan.route,
    model: first?.model ?? "",
    deployment: first?.deployment ?? "",
    attempts: planned,
    ...(plan.winRate === undefined ? {} : { winRate: plan.winRate }),
    ...(plan.strong === undefined ? {} : { strong: plan.strong }),
    ...(session === undefined ? {} : { session }),
    plan
  }
}

/**
 * Plans a request without calling any model.
 *
 * @example
 * import { Effect } from "effect"
 * import { RoutedChat } from "effect-llm-router/client"
 *
 * const routed = RoutedChat.plan({ model: "router-mf-0.116", messages: [{ role: "user", content: "Hi" }] })
 * // Effect<RoutedPlan, ...>: routed.model is the model the router picked
 *
 * @since 0.1.0
 */
export const plan = Effect.fn("RoutedClient.plan")(function* (
  request: ChatCompletionRequest,
  options: RoutedCallOptions = {}
) {
  const router = yield* LlmRouter
  const planned = yield* router.plan(request, requestOptions(options)).pipe(explained(request))
  return toRoutedPlan(planned, planned.session)
})

const explained =
  (request: ChatCompletionRequest) =>
  <A, E, R>(effect: Effect.Effect<A, E | NoRouteAvailable, R>): Effect.Effect<A, E | NoRouteAvailable, R> =>
    Effect.catchIf(
      effect,
      (error): error is NoRouteAvailable =>
        typeof error === "object" && error !== null && "_tag" in error && error._tag === "NoRouteAvailable",
      (error) => Effect.fail(explainMissingCapabilities(request, error))
    )

const requestOptions = (options: RoutedCallOptions) => ({
  ...runOptions(options),
  ...(options.session === undefined ? {} : { session: options.session }),
  sticky: options.sticky ?? options.defaultSticky ?? true
})

const runOptions = (options: CallOptions): Runner.RunOptions => ({
  ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
})

const decisionOf = (
  routed: RoutedPlan,
  trace: RunTrace,
  answeredBy: { readonly id: string; readonly model: string }
) => ({
  ...routed,
  answeredBy: answeredBy.id,
  answeredByModel: answeredBy.model,
  trace
})

/**
 * Plans and runs a request to one chat completion, with its decision trace.
 * @since 0.1.0
 */
export const complete = Effect.fn("RoutedClient.complete")(function* (
  request: ChatCompletionRequest,
  options: RoutedCallOptions = {}
) {
  const router = yield* LlmRouter
  const result = yield* router.run(request, requestOptions(options)).pipe(explained(request))
  const routed = toRoutedPlan(result.plan, result.plan.session)
  const decision: RouterDecision = decisionOf(routed, result.trace, result.deployment)
  return { response: result.response, decision }
})

/**
 * A stream that has started, with the decision so far and the final one once the stream ends.
 * @since 0.1.0
 */
export interface RoutedStreamRun {
  readonly run: Runner.StreamRun
  /** The decision at the opening of the stream (its trace has the serving attempt as `streaming`). */
  readonly decision: RouterDecision
  /** The final decision, after the last chunk. */
  readonly finalDecision: Effect.Effect<RouterDecision, StreamInterrupted>
}

/**
 * Plans a request and opens its stream (failing over until a deployment produced its first
 * content chunk). The upstream request lives as long as the scope.
 * @since 0.1.0
 */
export const open = (
  request: ChatCompletionRequest,
  options: RoutedCallOptions = {}
): Effect.Effect<
  RoutedStreamRun,
  NoRouteAvailable | RouterError | AllAttemptsFailed,
  RoutedChatServices | Scope.Scope
> =>
  Effect.gen(function* () {
    const streamed = { ...request, stream: true }
    const router = yield* LlmRouter
    const run = yield* router.stream(streamed, requestOptions(options)).pipe(explained(streamed))
    const routed = toRoutedPlan(run.plan, run.plan.session)
    const result: RoutedStreamRun = {
      run,
      decision: decisionOf(routed, run.trace, run.deployment),
      finalDecision: Effect.map(run.result, (trace) => decisionOf(routed, trace, run.deployment))
    }
    return result
  }).pipe(Effect.withSpan("RoutedClient.open"))
