/**
 * `leastBusy`: orders deployments by requests in flight, fewest first, and drops those already at
 * their `maxParallel`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { InFlight } from "../state/InFlight.ts"
import * as Format from "./Format.ts"
import type { Candidate, Removal, Strategy } from "./Strategy.ts"
import { scored } from "./Strategy.ts"

/**
 * Orders by the `InFlight` count (ties keep their input order); a deployment with `maxParallel`
 * requests already in flight is removed.
 *
 * @example
 * import { Route, Strategies } from "effect-llm-router"
 *
 * const route = Route.loadBalance(Strategies.leastBusy(), [gpt4oAzure, gpt4oOpenai])
 *
 * @since 0.1.0
 */
export const leastBusy = (): Strategy<InFlight> => ({
  name: "leastBusy",
  apply: (candidates, _context) =>
    Effect.gen(function* () {
      const inFlight = yield* InFlight
      const kept: Array<{ readonly candidate: Candidate; readonly busy: number; readonly text: string }> = []
      const removed: Array<Removal> = []
      for (const candidate of candidates) {
        const { deployment } = candidate
        const busy = yield* inFlight.count(deployment.id)
        if (deployment.maxParallel !== undefined && busy >= deployment.maxParallel) {
          removed.push({
            deployment: deployment.id,
            reason: `${Format.count(busy)} in flight, maxParallel ${Format.count(deployment.maxParallel)}`
          })
          continue
        }
        const text = `${Format.count(busy)}${deployment.maxParallel === undefined ? "" : `/${Format.count(deployment.maxParallel)}`} in flight`
        kept.push({ candidate: scored(candidate, "leastBusy", busy, `leastBusy: ${text}`), busy, text })
      }
      const ordered = [...kept].sort((a, b) => a.busy - b.busy)
      return {
        candidates: ordered.map((entry) => entry.candidate),
        removed,
        summary:
          `leastBusy: ${Format.list(ordered.map((entry) => `${entry.candidate.deployment.id} ${entry.text}`))}` +
          (removed.length === 0
            ? ""
            : `; at capacity: ${removed.map((removal) => `${removal.deployment} (${removal.reason})`).join(", ")}`)
      }
    })
})
