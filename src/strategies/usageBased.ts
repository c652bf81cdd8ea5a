/**
 * `usageBased`: LiteLLM's usage-based routing. Drops deployments this request would push over their
 * requests-per-minute or tokens-per-minute limit, and orders the rest by how much of their limits
 * they have used this minute (least used first).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { encodingForModel } from "../core/Tokens.ts"
import { UsageCounters } from "../state/UsageCounters.ts"
import * as Format from "./Format.ts"
import type { Candidate, Removal, Strategy } from "./Strategy.ts"
import { scored } from "./Strategy.ts"

/**
 * Orders by the fraction of rpm/tpm used this minute (counting this request), the larger of the two;
 * a deployment without limits counts as 0% used. Drops deployments where this request would exceed
 * a limit. The request's tokens are its prompt (with the deployment model's tokenizer) plus the
 * output it asks for.
 *
 * @example
 * import { Route, Strategies } from "effect-llm-router"
 *
 * // With gpt-4o@azure at 45 of 50 rpm and gpt-4o@openai at 10 of 100, openai goes first.
 * const route = Route.pipeline([azure, openai], [Strategies.usageBased()])
 *
 * @since 0.1.0
 */
export const usageBased = (): Strategy<UsageCounters> => ({
  name: "usage",
  apply: (candidates, context) =>
    Effect.gen(function* () {
      const counters = yield* UsageCounters
      const kept: Array<{ readonly candidate: Candidate; readonly fraction: number; readonly text: string }> =
        []
      const removed: Array<Removal> = []
      for (const candidate of candidates) {
        const { deployment } = candidate
        const usage = yield* counters.current(deployment.id)
        const tokens = context.promptTokens(encodingForModel(deployment.model)) + (context.outputTokens ?? 0)
        const over: Array<string> = []
        const parts: Array<{ fraction: number; text: string }> = []
        if (deployment.rpm !== undefined) {
          const requests = usage.requests + 1
          if (requests > deployment.rpm) {
            over.push(`rpm ${Format.count(usage.requests)} used + 1 > limit ${Format.count(deployment.rpm)}`)
          }
          parts.push({
            fraction: requests / deployment.rpm,
            text: `rpm ${requests}/${Format.count(deployment.rpm)}`
          })
        }
        if (deployment.tpm !== undefined) {
          const total = usage.tokens + tokens
          if (total > deployment.tpm) {
            over.push(
              `tpm ${Format.count(usage.tokens)} used + ${Format.count(tokens)} for this request > limit ${Format.count(deployment.tpm)}`
            )
          }
          parts.push({
            fraction: total / deployment.tpm,
            text: `tpm ${Format.count(total)}/${Format.count(deployment.tpm)}`
          })
        }
        if (over.length > 0) {
          removed.push({ deployment: deployment.id, reason: over.join("; ") })
          continue
        }
        const worst = parts.reduce((a, b) => (b.fraction > a.fraction ? b : a), {
          fraction: 0,
          text: "no rpm/tpm limit"
        })
        const text =
          parts.length === 0
            ? worst.text
            : `${Format.percent(worst.fraction)} (${parts.map((p) => p.text).join(", ")})`
        kept.push({
          candidate: scored(
            candidate,
            "usage",
            worst.fraction,
            `usage: ${text} this minute with this request`
          ),
          fraction: worst.fraction,
          text
        })
      }
      // Array.prototype.sort is stable: equal fractions keep their input order.
      const ordered = [...kept].sort((a, b) => a.fraction - b.fraction)
      return {
        candidates: ordered.map((entry) => entry.candidate),
        removed,
        summary:
          `usage: ${Format.list(ordered.map((entry) => `${entry.candidate.deployment.id} ${entry.text}`))}` +
          (removed.length === 0
            ? ""
            : `; over limit: ${removed.map((removal) => `${removal.deployment} (${removal.reason})`).join(", ")}`)
      }
    })
})
