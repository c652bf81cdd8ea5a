/**
 * Printing plans: an indented text tree for people and a JSON form for machines (route-only
 * endpoint, `llm-router route --json`). Neither contains secrets: deployments appear by id, model,
 * and provider only.
 *
 * @since 0.1.0
 */
import type { Decision, Plan, PlanNode } from "../core/Plan.ts"

/**
 * The JSON form of a plan node.
 * @since 0.1.0
 */
export type PlanNodeJson =
  | {
      readonly type: "attempt"
      readonly deployment: string
      readonly model: string
      readonly provider: string
      readonly path: string
      readonly reasons: ReadonlyArray<string>
      readonly scores: Readonly<Record<string, number>>
    }
  | {
      readonly type: "sequence"
      readonly path: string
      readonly fallbackOn?: ReadonlyArray<string>
      readonly steps: ReadonlyArray<PlanNodeJson>
    }
  | { readonly type: "retry"; readonly path: string; readonly times: number; readonly node: PlanNodeJson }
  | { readonly type: "timeout"; readonly path: string; readonly ms: number; readonly node: PlanNodeJson }
  | {
      readonly type: "hedge"
      readonly path: string
      readonly delayMs: number
      readonly steps: ReadonlyArray<PlanNodeJson>
    }

/** @since 0.1.0 */
export interface PlanJson {
  readonly route: string
  readonly winRate?: number
  readonly strong?: boolean
  readonly attempts: ReadonlyArray<string>
  readonly plan: PlanNodeJson
  readonly decisions: ReadonlyArray<Decision>
}

const nodeJson = (node: PlanNode): PlanNodeJson => {
  switch (node._tag) {
    case "Attempt":
      return {
        type: "attempt",
        deployment: node.deployment.id,
        model: node.deployment.model,
        provider: node.deployment.provider,
        path: node.path,
        reasons: node.reasons,
        scores: node.scores
      }
    case "Sequence":
      return {
        type: "sequence",
        path: node.path,
        ...(node.fallbackOn === undefined ? {} : { fallbackOn: node.fallbackOn }),
        steps: node.steps.map(nodeJson)
      }
    case "Retry":
      return { type: "retry", path: node.path, times: node.policy.times, node: nodeJson(node.node) }
    case "Timeout":
      return { type: "timeout", path: node.path, ms: node.ms, node: nodeJson(node.node) }
    case "Hedge":
      return { type: "hedge", path: node.path, delayMs: node.delayMs, steps: node.steps.map(nodeJson) }
  }
}

const attemptIds = (node: PlanNode): ReadonlyArray<string> => {
  switch (node._tag) {
    case "Attempt":
      return [node.deployment.id]
    case "Sequence":
    case "Hedge":
      return node.steps.flatMap(attemptIds)
    case "Retry":
    case "Timeout":
      return attemptIds(node.node)
  }
}

/**
 * The JSON form of a plan.
 * @since 0.1.0
 */
export const toJson = (plan: Plan): PlanJson => ({
  route: plan.route,
  ...(plan.winRate === undefined ? {} : { winRate: plan.winRate }),
  ...(plan.strong === undefined ? {} : { strong: plan.strong }),
  attempts: attemptIds(plan.root),
  plan: nodeJson(plan.root),
  decisions: plan.decisions
})

const lines = (node: PlanNode, indent: string, out: Array<string>, counter: { n: number }): void => {
  switch (node._tag) {
    case "Attempt": {
      counter.n += 1
      out.push(
        `${indent}${counter.n}. ${node.deployment.id}  (model ${node.deployment.model}, ${node.deployment.provider})`
      )
      for (const reason of node.reasons) out.push(`${indent}     · ${reason}`)
      const scores = Object.entries(node.scores)
      if (scores.length > 0) {
        out.push(
          `${indent}     · scores: ${scores.map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(", ")}`
        )
      }
      return
    }
    case "Sequence":
      out.push(
        `${indent}in order, next on failure${node.fallbackOn ? ` (${node.fallbackOn.join(", ")})` : ""}:`
      )
      node.steps.forEach((step) => lines(step, indent + "  ", out, counter))
      return
    case "Retry":
      out.push(`${indent}retry up to ${node.policy.times}× on ${node.policy.retryOn.join(", ")}:`)
      lines(node.node, indent + "  ", out, counter)
      return
    case "Timeout":
      out.push(`${indent}within ${node.ms} ms:`)
      lines(node.node, indent + "  ", out, counter)
      return
    case "Hedge":
      out.push(
        `${indent}hedged: start the next after ${node.delayMs} ms without an answer, first success wins:`
      )
      node.steps.forEach((step) => lines(step, indent + "  ", out, counter))
      return
  }
}

/**
 * A plan as indented text: the attempts in order with their reasons, then every decision taken.
 * @since 0.1.0
 */
export const toText = (plan: Plan): string => {
  const out: Array<string> = [`route: ${plan.route}`]
  if (plan.winRate !== undefined) {
    out.push(`win rate: ${plan.winRate.toFixed(3)} → ${plan.strong ? "strong" : "weak"}`)
  }
  out.push("attempts:")
  lines(plan.root, "  ", out, { n: 0 })
  out.push("decisions:")
  for (const decision of plan.decisions) {
    out.push(`  [${decision.path}] ${decision.node}: ${decision.summary}`)
    for (const removal of decision.removed ?? [])
      out.push(`      removed ${removal.deployment}: ${removal.reason}`)
  }
  return out.join("\n")
}
