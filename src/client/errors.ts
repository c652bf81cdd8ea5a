/**
 * Errors of the routed client. Effect code sees the tagged errors; Promise code sees a
 * `RoutedClientError` (an `Error`) carrying the tagged error, its kind and an HTTP-like status.
 * Messages come from the tagged errors, which never contain secrets (keys are `Redacted` and
 * providers build messages from status codes and upstream messages only).
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type {
  AllAttemptsFailed,
  ConfigError,
  FailureKind,
  NoRouteAvailable,
  ProviderFailure,
  StreamInterrupted
} from "../core/Errors.ts"
import { httpStatus } from "../core/Errors.ts"
import type { RouterError } from "../routers/WinRateRouter.ts"

/**
 * The request is not a chat-completions request the router can decode (HTTP 400).
 * @since 0.1.0
 */
export class InvalidChatRequest extends Data.TaggedError("InvalidChatRequest")<{
  readonly message: string
}> {}

/**
 * The client was closed before or while the call ran (HTTP 499, "client closed request").
 * @since 0.1.0
 */
export class ClientClosed extends Data.TaggedError("ClientClosed")<{ readonly message: string }> {}

/**
 * The caller aborted the call with its `signal` (HTTP 499).
 * @since 0.1.0
 */
export class CallAborted extends Data.TaggedError("CallAborted")<{ readonly message: string }> {}

/**
 * Every failure a routed call can end with.
 * @since 0.1.0
 */
export type RoutedCallError =
  | InvalidChatRequest
  | ClientClosed
  | CallAborted
  | ConfigError
  | NoRouteAvailable
  | RouterError
  | AllAttemptsFailed
  | StreamInterrupted
  | ProviderFailure

/**
 * What kind of failure a routed call ended with: the error's tag, except for `AllAttemptsFailed`,
 * whose kind is that of its last failure (a run that ended on rate limits is `RateLimited`).
 * @since 0.1.0
 */
export type RoutedErrorKind = RoutedCallError["_tag"] | FailureKind

const kindOf = (error: RoutedCallError): RoutedErrorKind =>
  error._tag === "AllAttemptsFailed"
    ? (error.failures[error.failures.length - 1]?._tag ?? error._tag)
    : error._tag

const statusOf = (error: RoutedCallError): number => {
  switch (error._tag) {
    case "InvalidChatRequest":
      return 400
    case "ClientClosed":
    case "CallAborted":
      return 499
    case "RouterError":
      return 500
    default:
      return httpStatus(error)
  }
}

/**
 * A routed call failed. `error` is the tagged error (`_tag` is repeated here for `switch`es),
 * `kind` says what decided the failure, `status` is the HTTP status the router's server would
 * answer with, and `missingCapabilities` lists what no deployment of the route supports, when that
 * is why the call failed.
 *
 * @example
 * import { RoutedClientError } from "effect-llm-router/client"
 *
 * try {
 *   await client.chat.completions.create({ model: "main", messages, tools })
 * } catch (error) {
 *   if (error instanceof RoutedClientError && error.missingCapabilities.includes("tools")) {
 *     // no deployment of "main" can call tools
 *   }
 * }
 *
 * @since 0.1.0
 */
export class RoutedClientError extends Error {
  override readonly name = "RoutedClientError"
  readonly _tag: RoutedCallError["_tag"]
  readonly kind: RoutedErrorKind
  readonly status: number
  readonly error: RoutedCallError
  readonly missingCapabilities: ReadonlyArray<string>

  constructor(error: RoutedCallError, missingCapabilities: ReadonlyArray<string> = []) {
    super(error.message, { cause: error })
    this._tag = error._tag
    this.kind = kindOf(error)
    this.status = statusOf(error)
    this.error = error
    this.missingCapabilities = missingCapabilities
  }
}
