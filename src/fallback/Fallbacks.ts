/**
 * Fallback plans as values: the generic chain (any failure moves on), the context-window chain
 * (only to deployments with a larger window) and the content-policy chain. They build `Sequence`
 * nodes of a `Plan`; the `Runner` executes them.
 *
 * @since 0.1.0
 */
import type { Deployment } from "../core/Deployment.ts"
import type { FailureKind } from "../core/Errors.ts"
import type { Attempt, PlanNode, Sequence } from "../core/Plan.ts"

/**
 * A plan attempt of one deployment.
 * @since 0.1.0
 */
export const attempt = (
  deployment: Deployment,
  path: string = deployment.id,
  reasons: ReadonlyArray<string> = []
): Attempt => ({
  _tag: "Attempt",
  deployment,
  path,
  reasons,
  scores: {}
})

/**
 * Try `steps` in order, moving on after any failure (or only after `on`).
 *
 * @example
 * import { Fallbacks } from "effect-llm-router/fallback"
 *
 * const node = Fallbacks.generic([Fallbacks.attempt(primary), Fallbacks.attempt(backup)])
 *
 * @since 0.1.0
 */
export const generic = (
  steps: ReadonlyArray<PlanNode>,
  on?: ReadonlyArray<FailureKind>,
  path = "fallback"
): Sequence => ({
  _tag: "Sequence",
  path,
  steps,
  ...(on === undefined ? {} : { fallbackOn: on })
})

/**
 * After `primary`, on `ContextWindowExceeded` only, the candidates whose window is larger than the
 * primary's, smallest first (the cheapest that fits is usually the smallest). Candidates of unknown
 * window are kept last.
 * @since 0.1.0
 */
export const contextWindow = (
  primary: PlanNode,
  candidates: ReadonlyArray<Deployment>,
  primaryWindow?: number
): Sequence => {
  const larger = candidates
    .filter(
      (d) => primaryWindow === undefined || d.contextWindow === undefined || d.contextWindow > primaryWindow
    )
    .sort((a, b) => (a.contextWindow ?? Infinity) - (b.contextWindow ?? Infinity))
  return generic(
    [primary, ...larger.map((d) => attempt(d, `context-window-fallback.${d.id}`, ["larger context window"]))],
    ["ContextWindowExceeded"],
    "context-window-fallback"
  )
}

/**
 * After `primary`, on `ContentFiltered` only, the alternates (typically other providers with a
 * different content policy).
 * @since 0.1.0
 */
export const contentPolicy = (primary: PlanNode, alternates: ReadonlyArray<Deployment>): Sequence =>
  generic(
    [
      primary,
      ...alternates.map((d) => attempt(d, `content-policy-fallback.${d.id}`, ["content-policy fallback"]))
    ],
    ["ContentFiltered"],
    "content-policy-fallback"
  )
