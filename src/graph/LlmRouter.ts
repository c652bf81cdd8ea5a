/**
 * `LlmRouter`: a loaded router config as a service. It resolves the `model` of a request to a
 * route (a route name, or RouteLLM's `router-<router>-<threshold>`), plans it, and runs it. The
 * HTTP server and the in-process client are both thin shells over this one service.
 *
 * @since 0.1.0
 */
import type { Scope } from "effect"
import { Context, Effect, Layer } from "effect"
import type { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { AllAttemptsFailed } from "../core/Errors.ts"
import { NoRouteAvailable } from "../core/Errors.ts"
import type { Plan } from "../core/Plan.ts"
import type { Requirements, RunOptions, StreamRun } from "../fallback/Runner.ts"
import * as Runner from "../fallback/Runner.ts"
import type { RunResult } from "../fallback/Trace.ts"
import type { RouterError } from "../routers/WinRateRouter.ts"
import type { RouterState } from "../state/index.ts"
import type { RouterConfig } from "./Config.ts"
import { plan as planRoute } from "./Planner.ts"
import { rememberAnswer, sessionKeyOf, stickToSession } from "./Stickiness.ts"
import type { Route } from "./Route.ts"
import { threshold } from "./Route.ts"

/**
 * A request's `model`, resolved.
 * @since 0.1.0
 */
export interface ResolvedModel {
  /** The name as the caller wrote it. */
  readonly name: string
  readonly route: Route<RouterState>
  /** For RouteLLM-style names: the router and threshold. */
  readonly routellm?: { readonly router: string; readonly threshold: number }
}

/**
 * A model as listed by `GET /v1/models`.
 * @since 0.1.0
 */
export interface ListedModel {
  readonly id: string
  readonly kind: "route" | "routellm"
  readonly default: boolean
}

const routellmName = /^router-(.+)-([0-9]*\.?[0-9]+)$/

const maxCachedModels = 1024

/**
 * Resolves a model name against a config: a declared route, or `router-<router>-<threshold>` when
 * the config names RouteLLM's strong and weak routes (`routellm: { strong, weak }`).
 * @since 0.1.0
 */
export const resolveModel = (
  config: RouterConfig,
  name: string,
  cache: Map<string, ResolvedModel> = new Map()
): Effect.Effect<ResolvedModel, NoRouteAvailable> => {
  const cached = cache.get(name)
  if (cached !== undefined) return Effect.succeed(cached)
  const direct = Object.hasOwn(config.routes, name) ? config.routes[name] : undefined
  if (direct !== undefined) return Effect.succeed({ name, route: direct })
  const match = routellmName.exec(name)
  const known = Object.keys(config.routes).join(", ")
  if (match === null) {
    return Effect.fail(
      new NoRouteAvailable({
        route: name,
        message: `unknown model '${name}': the router serves ${known}`,
        removed: []
      })
    )
  }
  const [, routerName, thresholdText] = match as unknown as [string, string, string]
  const router = config.routers.get(routerName)
  const value = Number(thresholdText)
  const problem =
    config.routellm === undefined
      ? `'${name}' is a RouteLLM-style name, but the config has no 'routellm: { strong, weak }' section`
      : router === undefined
        ? `unknown router '${routerName}' in '${name}'; configured routers: ${[...config.routers.keys()].join(", ") || "none"}`
        : !(value >= 0 && value <= 1)
          ? `threshold ${thresholdText} in '${name}' is not between 0 and 1`
          : undefined
  if (problem !== undefined || router === undefined || config.routellm === undefined) {
    return Effect.fail(
      new NoRouteAvailable({ route: name, message: problem ?? `unknown model '${name}'`, removed: [] })
    )
  }
  const resolved: ResolvedModel = {
    name,
    route: threshold({
      router,
      threshold: value,
      strong: config.routes[config.routellm.strong]!,
      weak: config.routes[config.routellm.weak]!
    }),
    routellm: { router: routerName, threshold: value }
  }
  // Callers choose thresholds freely; keep the cache bounded (oldest entry out first).
  if (cache.size >= maxCachedModels) cache.delete(cache.keys().next().value!)
  cache.set(name, resolved)
  return Effect.succeed(resolved)
}

/**
 * Per-request options of the router service.
 * @since 0.1.0
 */
export interface RequestOptions extends RunOptions {
  /** The conversation's session key (default: `metadata.session_id`, else `user`). */
  readonly session?: string
  /** `false` routes this turn afresh even when its session is bound to a deployment (default `true`). */
  readonly sticky?: boolean
}

/**
 * What the router service offers.
 * @since 0.1.0
 */
export interface LlmRouterShape {
  readonly config: RouterConfig
  readonly models: () => ReadonlyArray<ListedModel>
  readonly resolve: (model: string) => Effect.Effect<ResolvedModel, NoRouteAvailable>
  /**
   * The plan for a request, without calling any model. A continuing conversation goes first to the
   * deployment that answered its earlier turns (see `Stickiness`).
   */
  readonly plan: (
    request: ChatCompletionRequest,
    options?: RequestOptions
  ) => Effect.Effect<Plan, NoRouteAvailable | RouterError, RouterState>
  /**
   * Plans and runs a request to one chat completion, with failover; the result carries the plan and
   * trace, and the answering deployment is remembered for the request's session.
   */
  readonly run: (
    request: ChatCompletionRequest,
    options?: RequestOptions
  ) => Effect.Effect<RoutedResult, NoRouteAvailable | RouterError | AllAttemptsFailed, Requirements>
  /**
   * Plans a request and opens its stream (failing over until the stream has started). The stream
   * lives as long as the scope.
   */
  readonly stream: (
    request: ChatCompletionRequest,
    options?: RequestOptions
  ) => Effect.Effect<
    RoutedStream,
    NoRouteAvailable | RouterError | AllAttemptsFailed,
    Requirements | Scope.Scope
  >
}

/**
 * A finished run with the plan that led to it.
 * @since 0.1.0
 */
export interface RoutedResult extends RunResult {
  readonly plan: Plan
}

/**
 * An opened stream with the plan that led to it.
 * @since 0.1.0
 */
export interface RoutedStream extends StreamRun {
  readonly plan: Plan
}

/**
 * The router service.
 * @since 0.1.0
 */
export class LlmRouter extends Context.Tag("effect-llm-router/LlmRouter")<LlmRouter, LlmRouterShape>() {}

/**
 * Builds the service over a loaded config.
 * @since 0.1.0
 */
export const make = (config: RouterConfig): LlmRouterShape => {
  const cache = new Map<string, ResolvedModel>()
  // `serving`: the plan of a request that is then run (adaptive thresholds record it), not a dry run.
  const plan = (request: ChatCompletionRequest, options: RequestOptions = {}, serving = false) =>
    Effect.gen(function* () {
      const resolved = yield* resolveModel(config, request.model, cache)
      const planned = yield* planRoute(resolved.route, request, {
        name: resolved.name,
        conversation: config.conversation,
        serving
      })
      const key = sessionKeyOf(request, options.session)
      if (key === undefined) return planned
      if (options.sticky === false) {
        return {
          ...planned,
          session: { key, stuck: false, summary: `session '${key}': stickiness off for this request` }
        } satisfies Plan
      }
      return yield* stickToSession(planned, resolved.route, request, key)
    })
  const remember = (planned: Plan, deployment: string) =>
    planned.session === undefined
      ? Effect.void
      : rememberAnswer(planned.session.key, planned.route, deployment)
  return {
    config,
    models: () => [
      ...Object.keys(config.routes).map((id) => ({
        id,
        kind: "route" as const,
        default: id === config.defaultRoute
      })),
      ...(config.routellm === undefined
        ? []
        : [...config.routers.keys()].map((router) => ({
            id: `router-${router}-0.5`,
            kind: "routellm" as const,
            default: false
          })))
    ],
    resolve: (model) => resolveModel(config, model, cache),
    plan: (request, options) => plan(request, options),
    run: (request, options = {}) =>
      Effect.gen(function* () {
        const planned = yield* plan(request, options, true)
        const result = yield* Runner.run(planned, request, options)
        yield* remember(planned, result.deployment.id)
        return { ...result, plan: planned } satisfies RoutedResult
      }),
    stream: (request, options = {}) =>
      Effect.gen(function* () {
        const planned = yield* plan(request, options, true)
        const opened = yield* Runner.open(planned, request, options)
        // The serving deployment is committed once the stream opens: the session follows it.
        yield* remember(planned, opened.deployment.id)
        return { ...opened, plan: planned } satisfies RoutedStream
      })
  }
}

/** @since 0.1.0 */
export const layer = (config: RouterConfig): Layer.Layer<LlmRouter> => Layer.succeed(LlmRouter, make(config))
