/**
 * One tagged error per failure kind. Provider failures carry the deployment that failed so that
 * failover can decide what to do (retry, fall back, cool down) and traces can say what happened.
 * Messages never contain secrets: providers build them from status codes and upstream messages only.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { Plan } from "./Plan.ts"

interface ProviderFailureFields {
  /** Id of the deployment that failed. */
  readonly deployment: string
  readonly message: string
  readonly cause?: unknown
}

/**
 * The provider said "slow down" (HTTP 429). `retryAfterMs` comes from `Retry-After`-style headers.
 * @since 0.1.0
 */
export class RateLimited extends Data.TaggedError("RateLimited")<
  ProviderFailureFields & { readonly retryAfterMs?: number }
> {}

/**
 * No answer within the allowed time.
 * @since 0.1.0
 */
export class Timeout extends Data.TaggedError("Timeout")<
  ProviderFailureFields & { readonly afterMs: number }
> {}

/**
 * The provider could not serve: 5xx, connection refused or reset.
 * @since 0.1.0
 */
export class Unavailable extends Data.TaggedError("Unavailable")<
  ProviderFailureFields & { readonly status?: number }
> {}

/**
 * The prompt plus requested output does not fit the model's context window.
 * @since 0.1.0
 */
export class ContextWindowExceeded extends Data.TaggedError("ContextWindowExceeded")<ProviderFailureFields> {}

/**
 * The provider's content policy refused the request or the answer.
 * @since 0.1.0
 */
export class ContentFiltered extends Data.TaggedError("ContentFiltered")<ProviderFailureFields> {}

/**
 * The provider rejected the request as malformed (HTTP 400/404/422 other than the cases above).
 * @since 0.1.0
 */
export class InvalidRequest extends Data.TaggedError("InvalidRequest")<
  ProviderFailureFields & { readonly status?: number }
> {}

/**
 * The provider rejected the credentials (HTTP 401/403).
 * @since 0.1.0
 */
export class AuthFailed extends Data.TaggedError("AuthFailed")<
  ProviderFailureFields & { readonly status?: number }
> {}

/**
 * The provider answered with something that is not a chat completion.
 * @since 0.1.0
 */
export class MalformedResponse extends Data.TaggedError("MalformedResponse")<ProviderFailureFields> {}

/**
 * A stream broke after chunks had already reached the caller, so it could not be failed over.
 * @since 0.1.0
 */
export class StreamInterrupted extends Data.TaggedError("StreamInterrupted")<
  ProviderFailureFields & { readonly chunksSent: number }
> {}

/**
 * Every failure a provider call can end with.
 * @since 0.1.0
 */
export type ProviderFailure =
  | RateLimited
  | Timeout
  | Unavailable
  | ContextWindowExceeded
  | ContentFiltered
  | InvalidRequest
  | AuthFailed
  | MalformedResponse
  | StreamInterrupted

/**
 * The tag of each provider failure, for metrics and retry policies keyed by kind.
 * @since 0.1.0
 */
export type FailureKind = ProviderFailure["_tag"]

/**
 * Every failure kind, in one list (config schemas, error classification, metrics).
 * @since 0.1.0
 */
export const failureKinds = [
  "RateLimited",
  "Timeout",
  "Unavailable",
  "ContextWindowExceeded",
  "ContentFiltered",
  "InvalidRequest",
  "AuthFailed",
  "MalformedResponse",
  "StreamInterrupted"
] as const satisfies ReadonlyArray<FailureKind>

/**
 * Whether a value is one of the provider failures.
 * @since 0.1.0
 */
export const isProviderFailure = (value: unknown): value is ProviderFailure =>
  typeof value === "object" &&
  value !== null &&
  "_tag" in value &&
  "deployment" in value &&
  (failureKinds as ReadonlyArray<unknown>).includes(value._tag)

/**
 * The request could not be built for a deployment, so nothing was sent: a value JSON cannot encode,
 * or nesting too deep for the stack. This is the router's (or the caller's) problem, never the
 * deployment's, and it would happen on every deployment alike, so it is deliberately not a
 * `ProviderFailure`: failover would retry it, fall back on it and count it against the deployment's
 * health (cooldowns, circuit breaker). Providers raise it as a defect (`Effect.die`), which failover
 * passes through untouched; the server answers it with a 500 `internal_error` and logs it.
 * @since 0.1.0
 */
export class RequestNotSent extends Data.TaggedError("RequestNotSent")<{
  /** Id of the deployment the request was being built for. */
  readonly deployment: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Planning found nothing to call: every candidate was filtered out, or a branch named a route that
 * does not exist. `removed` lists what each filter took out and why.
 * @since 0.1.0
 */
export class NoRouteAvailable extends Data.TaggedError("NoRouteAvailable")<{
  readonly route: string
  readonly message: string
  readonly removed: ReadonlyArray<{ readonly deployment: string; readonly reason: string }>
}> {}

/**
 * A config file or route value is invalid. `path` points at the bad field, e.g. `routes.main.threshold`.
 * @since 0.1.0
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  readonly path: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Every attempt of a run failed. `failures` are in the order they happened; `plan` is the plan that
 * was run (set by the runner, so that a failed request still explains its routing decision: the
 * win rate, the side chosen, the order of deployments).
 * @since 0.1.0
 */
export class AllAttemptsFailed extends Data.TaggedError("AllAttemptsFailed")<{
  readonly route: string
  readonly message: string
  readonly failures: ReadonlyArray<ProviderFailure>
  readonly plan?: Plan
}> {}

/**
 * The HTTP status a server returns for an error that reaches the caller.
 * @since 0.1.0
 */
export const httpStatus = (
  error: ProviderFailure | NoRouteAvailable | ConfigError | AllAttemptsFailed
): number => {
  switch (error._tag) {
    case "RateLimited":
      return 429
    case "Timeout":
      return 504
    case "Unavailable":
    case "MalformedResponse":
    case "StreamInterrupted":
    case "AuthFailed":
      return 502
    case "ContextWindowExceeded":
    case "InvalidRequest":
      return 400
    case "ContentFiltered":
      return 400
    case "NoRouteAvailable":
      return 503
    case "ConfigError":
      return 500
    case "AllAttemptsFailed": {
      const last = error.failures[error.failures.length - 1]
      if (last === undefined) return 503
      if (last._tag === "Timeout") return 504
      if (last._tag === "ContextWindowExceeded" || last._tag === "InvalidRequest") return 400
      if (last._tag === "ContentFiltered") return 400
      return last._tag === "RateLimited" ? 503 : 502
    }
  }
}
