/**
 * Retry policies as Effect `Schedule`s: exponential backoff from `baseDelayMs`, jittered by
 * `jitter` (through the `Random` service, so a seeded `Random` reproduces the delays), capped at
 * `maxDelayMs`, at most `times` retries, only for the failure kinds in `retryOn`. A `RateLimited`
 * failure's Retry-After replaces the backoff when longer; when it is longer than the cap, the step
 * is not retried at all (waiting less than the provider asked would only earn another 429) and
 * failover moves on.
 *
 * @since 0.1.0
 */
import { Duration, Schedule } from "effect"
import type { ProviderFailure } from "../core/Errors.ts"
import type { RetryPolicy } from "../core/Plan.ts"

/**
 * Whether a failure is worth retrying on the same step under a policy.
 * @since 0.1.0
 */
export const isRetryable = (
  policy: RetryPolicy,
  failure: { readonly _tag: string }
): failure is ProviderFailure => {
  if (!(policy.retryOn as ReadonlyArray<string>).includes(failure._tag)) return false
  if (failure._tag === "RateLimited" && policy.honourRetryAfter) {
    const after = (failure as { retryAfterMs?: number }).retryAfterMs
    return after === undefined || after <= policy.maxDelayMs
  }
  return true
}

/**
 * The delay before a retry: the backoff, or the provider's Retry-After when longer (capped).
 * @since 0.1.0
 */
export const retryDelay = (
  policy: RetryPolicy,
  failure: { readonly _tag: string },
  backoff: Duration.Duration
): Duration.Duration => {
  // Whole milliseconds: jitter's floating-point products (999.9999…) must not undercut a bound.
  const capped = Duration.millis(
    Math.round(Duration.toMillis(Duration.min(backoff, Duration.millis(policy.maxDelayMs))))
  )
  if (!policy.honourRetryAfter || failure._tag !== "RateLimited") return capped
  const after = (failure as { retryAfterMs?: number }).retryAfterMs
  return after === undefined
    ? capped
    : Duration.max(capped, Duration.millis(Math.min(after, policy.maxDelayMs)))
}

/**
 * The schedule of a retry policy; its input is the failure of the previous try.
 *
 * @example
 * import { Effect } from "effect"
 * import { RetrySchedule } from "effect-llm-router/fallback"
 * import { defaultRetryPolicy } from "effect-llm-router/core/Plan"
 *
 * callProvider.pipe(Effect.retry(RetrySchedule.fromPolicy(defaultRetryPolicy)))
 *
 * @since 0.1.0
 */
export const fromPolicy = <E extends { readonly _tag: string }>(
  policy: RetryPolicy
): Schedule.Schedule<unknown, E> => {
  const exponential = Schedule.exponential(Duration.millis(Math.max(1, policy.baseDelayMs)))
  const backoff =
    policy.jitter > 0
      ? Schedule.jitteredWith(exponential, { min: Math.max(0, 1 - policy.jitter), max: 1 + policy.jitter })
      : exponential
  return Schedule.intersect(Schedule.identity<E>(), backoff).pipe(
    Schedule.modifyDelay(([failure], delay) => retryDelay(policy, failure, delay)),
    Schedule.intersect(Schedule.recurs(Math.max(0, policy.times))),
    Schedule.whileInput((failure: E) => isRetryable(policy, failure))
  )
}
