/**
 * Sticky sessions: a conversation that continues (it already holds an assistant turn) goes first
 * to the deployment that answered its earlier turns, whatever the routers would pick now, so that a
 * chat does not switch models mid-way. The rest of the plan stays behind it as the fallback, and the
 * plan records the override as a `session` decision (the routers' own verdict is still there).
 *
 * @since 0.1.0
 */
import { Effect, Option } from "effect"
import type { ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { Deployment } from "../core/Deployment.ts"
import { supports } from "../core/Deployment.ts"
import type { Attempt, Decision, Plan, PlanNode, SessionDecision } from "../core/Plan.ts"
import { attempts } from "../core/Plan.ts"
import type { Route } from "./Route.ts"
import { deployments } from "./Route.ts"
import { Cooldowns } from "../state/Cooldowns.ts"
import { SessionAffinity } from "../state/SessionAffinity.ts"
import { requiredCapabilities } from "../strategies/capabilities.ts"

/**
 * The session key of a request: the explicit one, else `metadata.session_id`, else `user`.
 * @since 0.1.0
 */
export const sessionKeyOf = (request: ChatCompletionRequest, explicit?: string): string | undefined => {
  if (explicit !== undefined && explicit !== "") return explicit
  const fromMetadata = request.metadata?.["session_id"]
  if (fromMetadata !== undefined && fromMetadata !== "") return fromMetadata
  return request.user !== undefined && request.user !== "" ? request.user : undefined
}

/**
 * A request continues a conversation when it already holds an assistant turn; a first turn is
 * routed afresh even under a known key (a `user` starting a new chat).
 * @since 0.1.0
 */
export const continuesConversation = (request: ChatCompletionRequest): boolean =>
  request.messages.some((message) => message.role === "assistant")

/** The plan tree without the attempts of one deployment; `undefined` when nothing is left. */
const without = (node: PlanNode, deployment: string): PlanNode | undefined => {
  switch (node._tag) {
    case "Attempt":
      return node.deployment.id === deployment ? undefined : node
    case "Sequence":
    case "Hedge": {
      const steps = node.steps.flatMap((step) => {
        const kept = without(step, deployment)
        return kept === undefined ? [] : [kept]
      })
      return steps.length === 0 ? undefined : { ...node, steps }
    }
    case "Retry":
    case "Timeout": {
      const inner = without(node.node, deployment)
      return inner === undefined ? undefined : { ...node, node: inner }
    }
  }
}

const unchanged = (plan: Plan, session: SessionDecision): Plan => ({ ...plan, session })

/** Why the bound deployment cannot take this request, or `undefined` when it can. */
const unavailability = (deployment: Deployment, request: ChatCompletionRequest) =>
  Effect.gen(function* () {
    const missing = requiredCapabilities(request).filter((need) => !supports(deployment, need.capability))
    if (missing.length > 0) return `it lacks ${missing.map((need) => need.capability).join(", ")}`
    const state = yield* (yield* Cooldowns).state(deployment.id)
    return state._tag === "Open" ? `it is cooling down (${state.reason})` : undefined
  })

/**
 * Puts the deployment bound to the request's session first in the plan, when the request continues
 * a conversation, the deployment is still reachable from the route, supports what the request uses,
 * and is not cooling down. Otherwise the plan is unchanged and the decision says why.
 * @since 0.1.0
 */
export const stickToSession = <R>(
  plan: Plan,
  route: Route<R>,
  request: ChatCompletionRequest,
  key: string
): Effect.Effect<Plan, never, SessionAffinity | Cooldowns> =>
  Effect.gen(function* () {
    if (!continuesConversation(request)) {
      return unchanged(plan, { key, stuck: false, summary: `session '${key}': first turn, routed afresh` })
    }
    const binding = yield* (yield* SessionAffinity).lookup(key, plan.route)
    if (Option.isNone(binding)) {
      return unchanged(plan, { key, stuck: false, summary: `session '${key}': no earlier answer on record` })
    }
    const boundTo = binding.value.deployment
    const planned = attempts(plan.root).find((attempt) => attempt.deployment.id === boundTo)
    const deployment = planned?.deployment ?? deployments(route).find((d) => d.id === boundTo)
    if (deployment === undefined) {
      const summary = `session '${key}': ${boundTo} answered earlier turns but is no longer in route '${plan.route}'; re-routed`
      return unchanged(plan, { key, stuck: false, boundTo, summary })
    }
    const problem = yield* unavailability(deployment, request)
    if (problem !== undefined) {
      const summary = `session '${key}': ${boundTo} answered earlier turns but ${problem}; re-routed`
      return unchanged(plan, { key, stuck: false, boundTo, summary })
    }
    const summary = `session '${key}' sticks to ${boundTo}, which answered its earlier turns`
    const first: Attempt = {
      _tag: "Attempt",
      deployment,
      path: "$.session",
      reasons: [summary, ...(planned?.reasons ?? [])],
      scores: planned?.scores ?? {}
    }
    const rest = without(plan.root, boundTo)
    const root: PlanNode =
      rest === undefined ? first : { _tag: "Sequence", path: "$.session", steps: [first, rest] }
    const decision: Decision = { path: "$", node: "session", summary }
    return {
      ...plan,
      root,
      decisions: [decision, ...plan.decisions],
      session: { key, stuck: true, boundTo, summary }
    }
  })

/**
 * Records the deployment that answered a session's turn, for its next turns.
 * @since 0.1.0
 */
export const rememberAnswer = (
  key: string,
  route: string,
  deployment: string
): Effect.Effect<void, never, SessionAffinity> =>
  Effect.flatMap(SessionAffinity, (sessions) => Effect.asVoid(sessions.bind(key, route, deployment)))
