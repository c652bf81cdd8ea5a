/**
 * Planning: walk a route for one request and produce the plan tree (what to call, in which order,
 * with which failover) and the decisions that led there. Planning reads routing state (cooldowns,
 * and whatever the route's strategies read) but never calls an LLM.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { Deployment } from "../core/Deployment.ts"
import { NoRouteAvailable } from "../core/Errors.ts"
import type { Attempt, Decision, Plan, PlanNode } from "../core/Plan.ts"
import { attempts } from "../core/Plan.ts"
import type { ConversationPolicy, RoutingContext } from "../core/RoutingContext.ts"
import * as Context from "../core/RoutingContext.ts"
import type { ThresholdController } from "../routers/Calibration.ts"
import { RouterError } from "../routers/WinRateRouter.ts"
import { Cooldowns } from "../state/Cooldowns.ts"
import { encodingForModel } from "../core/Tokens.ts"
import { defaultExpectedOutputTokens, expectedCost } from "../strategies/Prices.ts"
import type { Candidate, Removal } from "../strategies/Strategy.ts"
import { candidate } from "../strategies/Strategy.ts"
import * as Format from "../strategies/Format.ts"
import type { Requirement } from "../strategies/capabilities.ts"
import { requiredCapabilities } from "../strategies/capabilities.ts"
import { supports } from "../core/Deployment.ts"
import type { Route } from "./Route.ts"

/**
 * Options of one planning run.
 *
 * @since 0.1.0
 */
export interface PlanOptions {
  /** Name of the route, for traces (default: the request's `model`). */
  readonly name?: string
  /** Which part of a conversation routers read (default: the last user turn). */
  readonly conversation?: ConversationPolicy
  /**
   * Leave out deployments that lack a capability the request uses (tools, vision, JSON mode or
   * schema, streaming) or cannot generate the output tokens it asks for (`maxOutputTokens`), as
   * OpenRouter's `require_parameters` does. Default `true`.
   */
  readonly capabilityFilter?: boolean
  /**
   * Whether this plan is for a request that will be served: adaptive thresholds then record the
   * decision and move. Default `false` (a dry run reads the current threshold only).
   */
  readonly serving?: boolean
}

interface Walk {
  readonly context: RoutingContext
  /** Capabilities the request needs; empty when the capability filter is off. */
  readonly requirements: ReadonlyArray<Requirement>
  /** Whether to check the requested output against each deployment's `maxOutputTokens`. */
  readonly checkOutput: boolean
  readonly decisions: Array<Decision>
  readonly removed: Array<Removal>
  readonly serving: boolean
  /** Adaptive thresholds met while planning a served request, recorded once the plan is known. */
  readonly adaptive: Array<{ readonly controller: ThresholdController; readonly path: string }>
  winRate?: number
  strong?: boolean
}

const percent = (value: number) => value.toFixed(3)

/** Which side of the threshold at `threshold` an attempt at `attempt` lies on, if any. */
const sideOf = (attempt: string, threshold: string): "strong" | "weak" | undefined => {
  for (const side of ["strong", "weak"] as const) {
    const prefix = `${threshold}.${side}`
    if (attempt === prefix || attempt.startsWith(`${prefix}.`) || attempt.startsWith(`${prefix}[`))
      return side
  }
  return undefined
}

const sequence = (path: string, steps: ReadonlyArray<PlanNode>, fallbackOn?: Sequence["fallbackOn"]) =>
  steps.length === 1 && fallbackOn === undefined
    ? steps[0]!
    : ({ _tag: "Sequence", path, steps, ...(fallbackOn === undefined ? {} : { fallbackOn }) } as const)

type Sequence = Extract<PlanNode, { _tag: "Sequence" }>

const withReason = (node: PlanNode, reason: string): PlanNode => {
  switch (node._tag) {
    case "Attempt":
      return { ...node, reasons: [reason, ...node.reasons] }
    case "Sequence":
    case "Hedge":
      return { ...node, steps: node.steps.map((step) => withReason(step, reason)) }
    case "Retry":
    case "Timeout":
      return { ...node, node: withReason(node.node, reason) }
  }
}

/**
 * Removes deployments that lack a capability the request uses or whose circuit is open; records why.
 */
const availableNow = (
  walk: Walk,
  path: string,
  deployments: ReadonlyArray<Deployment>
): Effect.Effect<ReadonlyArray<Deployment>, never, Cooldowns> =>
  Effect.gen(function* () {
    const cooldowns = yield* Cooldowns
    const kept: Array<Deployment> = []
    const removed: Array<Removal> = []
    for (const deployment of deployments) {
      const missing = walk.requirements.filter((need) => !supports(deployment, need.capability))
      const output = walk.checkOutput ? walk.context.outputTokens : undefined
      const tooLong =
        output !== undefined &&
        deployment.maxOutputTokens !== undefined &&
        output > deployment.maxOutputTokens
      if (missing.length > 0 || tooLong) {
        removed.push({
          deployment: deployment.id,
          reason: [
            ...missing.map((need) => `lacks ${need.capability} (${need.because})`),
            ...(tooLong
              ? [
                  `asks ${Format.count(output)} output tokens, max output ${Format.count(deployment.maxOutputTokens!)}`
                ]
              : [])
          ].join("; ")
        })
        continue
      }
      const state = yield* cooldowns.state(deployment.id)
      if (state._tag === "Open")
        removed.push({ deployment: deployment.id, reason: `cooling down: ${state.reason}` })
      else kept.push(deployment)
    }
    if (removed.length > 0) {
      walk.removed.push(...removed)
      walk.decisions.push({ path, node: "availability", summary: `${removed.length} unavailable`, removed })
    }
    return kept
  })

const attemptOf = (candidate: Candidate, path: string): Attempt => ({
  _tag: "Attempt",
  deployment: candidate.deployment,
  path,
  reasons: candidate.reasons,
  scores: candidate.scores
})

const walkRoute = <R>(
  route: Route<R>,
  path: string,
  walk: Walk
): Effect.Effect<PlanNode | undefined, RouterError | NoRouteAvailable, R | Cooldowns> =>
  Effect.gen(function* () {
    switch (route._tag) {
      case "Deployment": {
        const [deployment] = yield* availableNow(walk, path, [route.deployment])
        return deployment === undefined ? undefined : attemptOf(candidate(deployment), path)
      }
      case "Pipeline": {
        let candidates: ReadonlyArray<Candidate> = (yield* availableNow(walk, path, route.deployments)).map(
          candidate
        )
        for (const strategy of route.strategies) {
          if (candidates.length === 0) break
          const outcome = yield* strategy.apply(candidates, walk.context)
          const scores: Record<string, number> = {}
          for (const c of outcome.candidates) {
            const score = c.scores[strategy.name]
            if (score !== undefined) scores[c.deployment.id] = score
          }
          walk.removed.push(...outcome.removed)
          walk.decisions.push({
            path,
            node: strategy.name,
            summary: outcome.summary,
            ...(outcome.removed.length > 0 ? { removed: outcome.removed } : {}),
            ...(Object.keys(scores).length > 0 ? { scores } : {})
          })
          candidates = outcome.candidates
        }
        const chosen = route.maxAttempts === undefined ? candidates : candidates.slice(0, route.maxAttempts)
        if (chosen.length === 0) return undefined
        return sequence(
          path,
          chosen.map((c, index) => attemptOf(c, `${path}[${index}]`))
        )
      }
      case "LoadBalance": {
        const planned: Array<{ node: PlanNode; primary: Deployment }> = []
        for (const [index, target] of route.targets.entries()) {
          const node = yield* walkRoute(target, `${path}.targets[${index}]`, walk)
          const primary = node === undefined ? undefined : attempts(node)[0]?.deployment
          if (node !== undefined && primary !== undefined) planned.push({ node, primary })
        }
        if (planned.length === 0) return undefined
        const outcome = yield* route.strategy.apply(
          planned.map((p) => candidate(p.primary)),
          walk.context
        )
        walk.removed.push(...outcome.removed)
        walk.decisions.push({
          path,
          node: route.strategy.name,
          summary: outcome.summary,
          ...(outcome.removed.length > 0 ? { removed: outcome.removed } : {})
        })
        const remaining = [...planned]
        const ordered: Array<PlanNode> = []
        for (const c of outcome.candidates) {
          const at = remaining.findIndex((p) => p.primary.id === c.deployment.id)
          if (at >= 0) ordered.push(remaining.splice(at, 1)[0]!.node)
        }
        return ordered.length === 0 ? undefined : sequence(path, ordered)
      }
      case "Threshold": {
        const winRate = yield* route.router.winRate(walk.context.text)
        if (!Number.isFinite(winRate)) {
          // A NaN would compare false with every threshold and silently route weak.
          return yield* new RouterError({
            router: route.router.name,
            reason: "InvalidOutput",
            message: `router '${route.router.name}' returned a win rate that is not a finite number (${winRate})`
          })
        }
        // An adaptive threshold is read here; for a served request, the side that serves it is
        // recorded once the whole plan is known (see `plan`), not for branches that only back it up.
        const { adaptive } = route
        const threshold = adaptive === undefined ? route.threshold : (yield* adaptive.state).threshold
        const strong = winRate >= threshold
        if (adaptive !== undefined && walk.serving) walk.adaptive.push({ controller: adaptive, path })
        if (walk.winRate === undefined) {
          walk.winRate = winRate
          walk.strong = strong
        }
        const shown = adaptive === undefined ? String(threshold) : `${percent(threshold)} (adaptive)`
        const summary = `${route.router.name} win rate ${percent(winRate)} ${strong ? ">=" : "<"} threshold ${shown} → ${strong ? "strong" : "weak"}`
        walk.decisions.push({
          path,
          node: "threshold",
          summary,
          scores: { winRate, threshold }
        })
        const node = yield* walkRoute(
          strong ? route.strong : route.weak,
          `${path}.${strong ? "strong" : "weak"}`,
          walk
        )
        if (node !== undefined) return withReason(node, summary)
        // Nothing on the chosen side can serve (all filtered out or cooling down): rather than lose
        // the request, take the other side, and say so.
        const other = strong ? "weak" : "strong"
        const fallbackSummary = `${summary}, but no ${strong ? "strong" : "weak"} deployment is available → ${other}`
        walk.decisions.push({ path, node: "threshold", summary: fallbackSummary })
        const otherNode = yield* walkRoute(strong ? route.weak : route.strong, `${path}.${other}`, walk)
        return otherNode === undefined ? undefined : withReason(otherNode, fallbackSummary)
      }
      case "Select": {
        const predicted = yield* route.router.predict(walk.context.text)
        const options: Array<{ key: string; node: PlanNode; utility: number; line: string }> = []
        for (const [key, option] of Object.entries(route.options)) {
          const quality = predicted[key]
          if (quality === undefined) {
            walk.decisions.push({
              path,
              node: "select",
              summary: `${route.router.name} has no prediction for '${key}': skipped`
            })
            continue
          }
          const node = yield* walkRoute(option, `${path}.options.${key}`, walk)
          const primary = node === undefined ? undefined : attempts(node)[0]?.deployment
          if (node === undefined || primary === undefined) continue
          const tokens = walk.context.promptTokens(encodingForModel(primary.model))
          const cost = expectedCost(primary, tokens, walk.context.outputTokens ?? defaultExpectedOutputTokens)
          const utility = quality - route.lambda * (cost ?? 0)
          const costText = cost === undefined ? "cost unknown (0)" : `cost $${cost.toPrecision(3)}`
          options.push({
            key,
            node,
            utility,
            line: `${key}: quality ${quality.toFixed(3)}, ${costText}, utility ${utility.toFixed(4)}`
          })
        }
        if (options.length === 0) return undefined
        const best = options.reduce((a, b) => (b.utility > a.utility ? b : a))
        const summary = `${route.router.name} select (λ=${route.lambda}) → ${best.key}`
        walk.decisions.push({
          path,
          node: "select",
          summary: `${summary}; ${options.map((o) => o.line).join("; ")}`,
          scores: Object.fromEntries(options.map((o) => [o.key, o.utility]))
        })
        return withReason(best.node, summary)
      }
      case "Branch": {
        const verdict = yield* route.classifier.classify(walk.context)
        const chosenKey = Object.hasOwn(route.routes, verdict.choice) ? verdict.choice : route.otherwise
        const chosen = chosenKey === undefined ? undefined : route.routes[chosenKey]
        if (chosenKey === undefined || chosen === undefined) {
          return yield* new NoRouteAvailable({
            route: walk.context.routeName,
            message: `${route.classifier.name} chose '${verdict.choice}' at ${path}, which has no sub-route and no 'otherwise'`,
            removed: walk.removed
          })
        }
        // Classifiers usually say what they chose; only add what the summary leaves out.
        const said = verdict.summary.startsWith(route.classifier.name)
          ? verdict.summary
          : `${route.classifier.name}: ${verdict.summary}`
        const summary =
          chosenKey === verdict.choice
            ? said.includes(`→ ${chosenKey}`)
              ? said
              : `${said} → ${chosenKey}`
            : `${said}; no route '${verdict.choice}' → ${chosenKey} (otherwise)`
        walk.decisions.push({
          path,
          node: "branch",
          summary,
          ...(verdict.scores ? { scores: verdict.scores } : {})
        })
        const node = yield* walkRoute(chosen, `${path}.${chosenKey}`, walk)
        return node === undefined ? undefined : withReason(node, summary)
      }
      case "Fallback": {
        const steps: Array<PlanNode> = []
        for (const [index, option] of route.routes.entries()) {
          const node = yield* walkRoute(option, `${path}.fallback[${index}]`, walk)
          if (node !== undefined) steps.push(index === 0 ? node : withReason(node, `fallback #${index}`))
        }
        if (steps.length === 0) return undefined
        return sequence(path, steps, route.on)
      }
      case "Retry": {
        const node = yield* walkRoute(route.route, path, walk)
        return node === undefined ? undefined : { _tag: "Retry", path, policy: route.policy, node }
      }
      case "Timeout": {
        const node = yield* walkRoute(route.route, path, walk)
        return node === undefined ? undefined : { _tag: "Timeout", path, ms: route.ms, node }
      }
      case "Hedge": {
        const steps: Array<PlanNode> = []
        for (const [index, option] of route.routes.entries()) {
          const node = yield* walkRoute(option, `${path}.hedge[${index}]`, walk)
          if (node !== undefined) steps.push(node)
        }
        if (steps.length === 0) return undefined
        return steps.length === 1 ? steps[0]! : { _tag: "Hedge", path, delayMs: route.delayMs, steps }
      }
    }
  })

/**
 * Plans a request: which deployments to call, in which order, with which failover, and why.
 * Fails with `NoRouteAvailable` (listing what was removed and why) when nothing can be called.
 *
 * @example
 * import { Effect } from "effect"
 * import { Router, State } from "effect-llm-router"
 *
 * const plan = Router.plan(route, { model: "main", messages: [{ role: "user", content: "Hi" }] }).pipe(
 *   Effect.provide(State.layerMemory)
 * )
 *
 * @since 0.1.0
 */
export const plan = Effect.fn("Router.plan")(function* <R>(
  route: Route<R>,
  request: ChatCompletionRequest,
  options: PlanOptions = {}
) {
  const context = Context.make(request, {
    ...(options.conversation ? { conversation: options.conversation } : {}),
    routeName: options.name ?? request.model
  })
  const requirements = options.capabilityFilter === false ? [] : requiredCapabilities(request)
  const walk: Walk = {
    context,
    requirements,
    checkOutput: options.capabilityFilter !== false,
    decisions: [],
    removed: [],
    serving: options.serving === true,
    adaptive: []
  }
  const root = yield* walkRoute(route, "$", walk)
  // An adaptive threshold counts a served request only when it lies on the path of the request's
  // first attempt, and counts the side that attempt is on (the other side, when the chosen one had
  // no deployment available). Thresholds in fallback options, losing select options or other
  // load-balance targets did not decide this request.
  const first = root === undefined ? undefined : attempts(root)[0]
  if (first !== undefined)
    for (const { controller, path } of walk.adaptive) {
      const side = sideOf(first.path, path)
      if (side !== undefined) yield* controller.record(side === "strong")
    }
  if (root === undefined) {
    const why = walk.removed.map((r) => `${r.deployment}: ${r.reason}`).join("; ")
    const lacking = requirements.filter((need) =>
      walk.removed.some((r) => r.reason.includes(`lacks ${need.capability} (`))
    )
    const advice =
      lacking.length === 0
        ? ""
        : `; no deployment supports ${lacking.map((need) => `${need.capability} (${need.because})`).join(" and ")}: add one with these capabilities to the route, or drop them from the request`
    return yield* new NoRouteAvailable({
      route: context.routeName,
      message: `no deployment can serve route '${context.routeName}'${why ? `: ${why}` : ""}${advice}`,
      removed: walk.removed
    })
  }
  const result: Plan = {
    route: context.routeName,
    root,
    decisions: walk.decisions,
    ...(walk.winRate === undefined ? {} : { winRate: walk.winRate }),
    ...(walk.strong === undefined ? {} : { strong: walk.strong })
  }
  return result
})
