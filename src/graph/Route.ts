/**
 * The routing graph: a `Route` is a value describing how to pick and call a model for a request.
 * Quality routing (`threshold`, `select`), heuristics (`branch`), load balancing (`pipeline`,
 * `loadBalance`) and failover (`fallback`, `retry`, `timeout`, `hedge`) are nodes of one graph and
 * nest to any depth. `R` is the set of services the route's strategies and classifiers need.
 *
 * @example
 * import { Route, Deployment, Strategies } from "effect-llm-router"
 *
 * const gpt4o = Deployment.make({ id: "gpt-4o@openai", provider: "openai", model: "gpt-4o" })
 * const mini = Deployment.make({ id: "gpt-4o-mini@openai", provider: "openai", model: "gpt-4o-mini" })
 * const route = Route.fallback([
 *   Route.threshold({ router, threshold: 0.3, strong: Route.deployment(gpt4o), weak: Route.deployment(mini) }),
 *   Route.deployment(mini)
 * ])
 *
 * @since 0.1.0
 */
import type { Duration } from "effect"
import { Duration as D } from "effect"
import { Deployment } from "../core/Deployment.ts"
import type { RetryPolicy } from "../core/Plan.ts"
import { defaultRetryPolicy } from "../core/Plan.ts"
import type { FailureKind } from "../core/Errors.ts"
import type { ThresholdController } from "../routers/Calibration.ts"
import type { QualityRouter, WinRateRouter } from "../routers/WinRateRouter.ts"
import type { Classifier, Strategy } from "../strategies/Strategy.ts"

/** A single deployment. @since 0.1.0 */
export interface DeploymentRoute {
  readonly _tag: "Deployment"
  readonly deployment: Deployment
}

/** Candidate deployments narrowed and ordered by strategies, tried in that order. @since 0.1.0 */
export interface PipelineRoute<R> {
  readonly _tag: "Pipeline"
  readonly deployments: ReadonlyArray<Deployment>
  readonly strategies: ReadonlyArray<Strategy<R>>
  /** Try at most this many of the ordered candidates (default: all). */
  readonly maxAttempts?: number
}

/** Sub-routes ordered by a strategy scoring each one's first deployment. @since 0.1.0 */
export interface LoadBalanceRoute<R> {
  readonly _tag: "LoadBalance"
  readonly strategy: Strategy<R>
  readonly targets: ReadonlyArray<Route<R>>
}

/** RouteLLM: strong if the router's win rate is at least the threshold, weak otherwise. @since 0.1.0 */
export interface ThresholdRoute<R> {
  readonly _tag: "Threshold"
  readonly router: WinRateRouter
  /** The fixed threshold, or the starting one of `adaptive`. */
  readonly threshold: number
  /**
   * An online controller that moves the threshold so that served requests hold a target strong
   * fraction or spend rate (`Calibration.makeController`). Requests that are only planned (dry
   * runs: `/v1/route`, `llm-router route`) read its threshold without moving it.
   */
  readonly adaptive?: ThresholdController
  readonly strong: Route<R>
  readonly weak: Route<R>
}

/** N-way: the option maximising predicted quality − λ·expected cost (USD). @since 0.1.0 */
export interface SelectRoute<R> {
  readonly _tag: "Select"
  readonly router: QualityRouter
  readonly lambda: number
  /** Keyed by the model name the quality router scores. */
  readonly options: Readonly<Record<string, Route<R>>>
}

/** A classifier picks a named sub-route; unknown choices go to `otherwise`. @since 0.1.0 */
export interface BranchRoute<R> {
  readonly _tag: "Branch"
  readonly classifier: Classifier<R>
  readonly routes: Readonly<Record<string, Route<R>>>
  readonly otherwise?: string
}

/** Try each route in order until one answers. @since 0.1.0 */
export interface FallbackRoute<R> {
  readonly _tag: "Fallback"
  readonly routes: ReadonlyArray<Route<R>>
  /** Only fall back on these failure kinds (default: any). */
  readonly on?: ReadonlyArray<FailureKind>
}

/** Retry the inner route per a policy. @since 0.1.0 */
export interface RetryRoute<R> {
  readonly _tag: "Retry"
  readonly policy: RetryPolicy
  readonly route: Route<R>
}

/** Bound the inner route's total time. @since 0.1.0 */
export interface TimeoutRoute<R> {
  readonly _tag: "Timeout"
  readonly ms: number
  readonly route: Route<R>
}

/** Start the next route when the previous has not answered after `delayMs`; first success wins. @since 0.1.0 */
export interface HedgeRoute<R> {
  readonly _tag: "Hedge"
  readonly delayMs: number
  readonly routes: ReadonlyArray<Route<R>>
}

/**
 * A routing graph. Build it with the constructors below or load it from a config file.
 *
 * @since 0.1.0
 */
export type Route<R = never> =
  | DeploymentRoute
  | PipelineRoute<R>
  | LoadBalanceRoute<R>
  | ThresholdRoute<R>
  | SelectRoute<R>
  | BranchRoute<R>
  | FallbackRoute<R>
  | RetryRoute<R>
  | TimeoutRoute<R>
  | HedgeRoute<R>

/** A route or a bare deployment (taken as `Route.deployment`). @since 0.1.0 */
export type RouteLike<R> = Route<R> | Deployment

const toRoute = <R>(value: RouteLike<R>): Route<R> =>
  value instanceof Deployment ? { _tag: "Deployment", deployment: value } : value

const toMs = (duration: Duration.DurationInput): number => D.toMillis(D.decode(duration))

/** @since 0.1.0 */
export const deployment = (deployment: Deployment): Route => ({ _tag: "Deployment", deployment })

/**
 * Candidate deployments, narrowed and ordered by `strategies` applied left to right.
 * @since 0.1.0
 */
export const pipeline = <R = never>(
  deployments: ReadonlyArray<Deployment>,
  strategies: ReadonlyArray<Strategy<R>> = [],
  options: { readonly maxAttempts?: number } = {}
): Route<R> => ({ _tag: "Pipeline", deployments, strategies, ...options })

/**
 * Orders sub-routes (or deployments) with one strategy. When every target is a deployment this is a
 * pipeline with that one strategy.
 * @since 0.1.0
 */
export const loadBalance = <S, R = never>(
  strategy: Strategy<S>,
  targets: ReadonlyArray<RouteLike<R>>
): Route<S | R> => {
  const routes = targets.map(toRoute)
  const deployments = routes.flatMap((route) => (route._tag === "Deployment" ? [route.deployment] : []))
  return deployments.length === routes.length
    ? { _tag: "Pipeline", deployments, strategies: [strategy] }
    : { _tag: "LoadBalance", strategy, targets: routes }
}

/**
 * RouteLLM's binary routing: `strong` when `router.winRate(prompt) >= threshold`.
 * @since 0.1.0
 */
export const threshold = <R1 = never, R2 = never>(options: {
  readonly router: WinRateRouter
  readonly threshold: number
  readonly adaptive?: ThresholdController
  readonly strong: RouteLike<R1>
  readonly weak: RouteLike<R2>
}): Route<R1 | R2> => ({
  _tag: "Threshold",
  router: options.router,
  threshold: options.threshold,
  ...(options.adaptive === undefined ? {} : { adaptive: options.adaptive }),
  strong: toRoute<R1 | R2>(options.strong),
  weak: toRoute<R1 | R2>(options.weak)
})

/**
 * N-way selection by predicted quality minus `lambda` times expected cost in USD.
 * @since 0.1.0
 */
export const select = <R = never>(options: {
  readonly router: QualityRouter
  readonly lambda: number
  readonly options: Readonly<Record<string, RouteLike<R>>>
}): Route<R> => ({
  _tag: "Select",
  router: options.router,
  lambda: options.lambda,
  options: Object.fromEntries(Object.entries(options.options).map(([key, value]) => [key, toRoute(value)]))
})

/**
 * A classifier picks the sub-route by name.
 * @since 0.1.0
 */
export const branch = <C, R = never>(
  classifier: Classifier<C>,
  routes: Readonly<Record<string, RouteLike<R>>>,
  options: { readonly otherwise?: string } = {}
): Route<C | R> => ({
  _tag: "Branch",
  classifier,
  routes: Object.fromEntries(Object.entries(routes).map(([key, value]) => [key, toRoute<C | R>(value)])),
  ...options
})

/**
 * Try routes in order until one answers.
 * @since 0.1.0
 */
export const fallback = <R = never>(
  routes: ReadonlyArray<RouteLike<R>>,
  options: { readonly on?: ReadonlyArray<FailureKind> } = {}
): Route<R> => ({ _tag: "Fallback", routes: routes.map(toRoute), ...options })

/**
 * Retry the route; unspecified policy fields take `defaultRetryPolicy`'s values.
 * @since 0.1.0
 */
export const retry = <R = never>(route: RouteLike<R>, policy: Partial<RetryPolicy> = {}): Route<R> => ({
  _tag: "Retry",
  policy: { ...defaultRetryPolicy, ...policy },
  route: toRoute(route)
})

/** @since 0.1.0 */
export const timeout = <R = never>(route: RouteLike<R>, duration: Duration.DurationInput): Route<R> => ({
  _tag: "Timeout",
  ms: toMs(duration),
  route: toRoute(route)
})

/**
 * Hedged requests: start `routes[0]`; after `delay` without an answer also start `routes[1]`, and so on.
 * @since 0.1.0
 */
export const hedge = <R = never>(
  delay: Duration.DurationInput,
  routes: ReadonlyArray<RouteLike<R>>
): Route<R> => ({
  _tag: "Hedge",
  delayMs: toMs(delay),
  routes: routes.map(toRoute)
})

/**
 * Every deployment a route can reach, each once.
 * @since 0.1.0
 */
export const deployments = <R>(route: Route<R>): ReadonlyArray<Deployment> => {
  const seen = new Map<string, Deployment>()
  const visit = (node: Route<R>): void => {
    switch (node._tag) {
      case "Deployment":
        seen.set(node.deployment.id, node.deployment)
        return
      case "Pipeline":
        node.deployments.forEach((d) => seen.set(d.id, d))
        return
      case "LoadBalance":
        node.targets.forEach(visit)
        return
      case "Threshold":
        visit(node.strong)
        visit(node.weak)
        return
      case "Select":
      case "Branch":
        Object.values(node._tag === "Select" ? node.options : node.routes).forEach(visit)
        return
      case "Fallback":
      case "Hedge":
        node.routes.forEach(visit)
        return
      case "Retry":
      case "Timeout":
        visit(node.route)
        return
    }
  }
  visit(route)
  return [...seen.values()]
}
