/**
 * `tags`: keeps deployments carrying every required tag and, optionally, in an allowed region.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { filterStrategy } from "./Filter.ts"
import * as Format from "./Format.ts"
import type { Strategy } from "./Strategy.ts"

/**
 * What a deployment must have.
 *
 * @since 0.1.0
 */
export interface TagsOptions {
  /** Tags a deployment must all carry (compared exactly). */
  readonly required?: ReadonlyArray<string>
  /** The region, or one of the regions, a deployment must be in. */
  readonly region?: string | ReadonlyArray<string>
}

/**
 * Keeps the deployments having all `required` tags and (when given) a matching `region`.
 * A deployment with no region declared fails a region requirement.
 *
 * @example
 * import { Route, Strategies } from "effect-llm-router"
 *
 * const euOnly = Strategies.tags({ required: ["gdpr"], region: ["eu-west-1", "eu-central-1"] })
 * const route = Route.pipeline(deployments, [euOnly, Strategies.costBased()])
 *
 * @since 0.1.0
 */
export const tags = (options: TagsOptions): Strategy => {
  const required = options.required ?? []
  const regions =
    options.region === undefined
      ? undefined
      : typeof options.region === "string"
        ? [options.region]
        : options.region
  const requirement = [
    ...(required.length === 0 ? [] : [`tags ${required.join(", ")}`]),
    ...(regions === undefined ? [] : [`region ${regions.join(" or ")}`])
  ].join(", ")
  return filterStrategy(
    "tags",
    ({ deployment }) =>
      Effect.sync(() => {
        const have = deployment.tags ?? []
        const missing = required.filter((tag) => !have.includes(tag))
        const reasons: Array<string> = []
        if (missing.length > 0)
          reasons.push(`missing tag${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`)
        if (
          regions !== undefined &&
          (deployment.region === undefined || !regions.includes(deployment.region))
        ) {
          reasons.push(`region ${deployment.region ?? "not set"}, needs ${regions.join(" or ")}`)
        }
        return reasons.length === 0 ? undefined : reasons.join("; ")
      }),
    () => `requires ${Format.list(requirement === "" ? [] : [requirement])}`
  )
}
