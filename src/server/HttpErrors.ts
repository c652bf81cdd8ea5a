/**
 * Errors the server answers with, each annotated with its HTTP status, and their OpenAI-style JSON
 * form. Upstream failures keep their kinds (`Timeout`, `Unavailable`, ...) and the deployments that
 * failed, never a stack trace, an upstream key or an upstream response body.
 *
 * @since 0.1.0
 */
import { HttpServerResponse } from "@effect/platform"
import { Data } from "effect"
import type { AllAttemptsFailed, NoRouteAvailable, StreamInterrupted } from "../core/Errors.ts"
import * as DecisionHeaders from "./DecisionHeaders.ts"
import { httpStatus } from "../core/Errors.ts"
import type { RouterError } from "../routers/WinRateRouter.ts"
import type { ErrorBody } from "./Domain.ts"

/**
 * The body is not a valid request: not JSON, not UTF-8, or a field fails the Schema (400).
 * @since 0.1.0
 */
export class InvalidBody extends Data.TaggedError("InvalidBody")<{
  readonly message: string
  /** The bad field, e.g. `messages[0].role`; `null` when the body as a whole is wrong. */
  readonly param: string | null
  readonly code: string
}> {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * Missing or wrong bearer key (401).
 * @since 0.1.0
 */
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly message: string }> {
  /** @since 0.1.0 */
  readonly status = 401
}

/**
 * The request's `model` names no route (404).
 * @since 0.1.0
 */
export class UnknownModel extends Data.TaggedError("UnknownModel")<{
  readonly model: string
  readonly message: string
}> {
  /** @since 0.1.0 */
  readonly status = 404
}

/**
 * No endpoint at this method and path (404).
 * @since 0.1.0
 */
export class UnknownEndpoint extends Data.TaggedError("UnknownEndpoint")<{
  readonly method: string
  readonly path: string
}> {
  /** @since 0.1.0 */
  readonly status = 404
}

/**
 * The body is larger than `server.maxBodyBytes` (413).
 * @since 0.1.0
 */
export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{ readonly limitBytes: number }> {
  /** @since 0.1.0 */
  readonly status = 413
}

/**
 * The body is not sent as JSON (415).
 * @since 0.1.0
 */
export class UnsupportedMediaType extends Data.TaggedError("UnsupportedMediaType")<{
  readonly contentType: string
}> {
  /** @since 0.1.0 */
  readonly status = 415
}

/**
 * The server is shutting down and takes no new requests (503).
 * @since 0.1.0
 */
export class Draining extends Data.TaggedError("Draining")<Record<never, never>> {
  /** @since 0.1.0 */
  readonly status = 503
}

/**
 * Everything a handler can fail with.
 * @since 0.1.0
 */
export type ServerFailure =
  | InvalidBody
  | Unauthorized
  | UnknownModel
  | UnknownEndpoint
  | BodyTooLarge
  | UnsupportedMediaType
  | Draining
  | NoRouteAvailable
  | AllAttemptsFailed
  | StreamInterrupted
  | RouterError

/**
 * The status and OpenAI-style body of a failure.
 * @since 0.1.0
 */
export const describe = (failure: ServerFailure): { readonly status: number; readonly body: ErrorBody } => {
  const body = (
    message: string,
    type: string,
    code: string | null,
    param: string | null = null,
    failures?: ErrorBody["error"]["failures"]
  ): ErrorBody => ({ error: { message, type, param, code, ...(failures === undefined ? {} : { failures }) } })
  switch (failure._tag) {
    case "InvalidBody":
      return {
        status: 400,
        body: body(failure.message, "invalid_request_error", failure.code, failure.param)
      }
    case "Unauthorized":
      return { status: 401, body: body(failure.message, "authentication_error", "invalid_api_key") }
    case "UnknownModel":
      return { status: 404, body: body(failure.message, "invalid_request_error", "model_not_found", "model") }
    case "UnknownEndpoint":
      return {
        status: 404,
        body: body(
          `No endpoint ${failure.method} ${failure.path}. Endpoints: POST /v1/chat/completions, POST /v1/route, GET /v1/models, GET /health, GET /metrics.`,
          "invalid_request_error",
          "unknown_url"
        )
      }
    case "BodyTooLarge":
      return {
        status: 413,
        body: body(
          `The request body is larger than the limit of ${failure.limitBytes} bytes (server.maxBodyBytes).`,
          "invalid_request_error",
          "request_too_large"
        )
      }
    case "UnsupportedMediaType":
      return {
        status: 415,
        body: body(
          `Unsupported Content-Type '${failure.contentType}': send the body as JSON with 'Content-Type: application/json'.`,
          "invalid_request_error",
          "unsupported_media_type"
        )
      }
    case "Draining":
      return {
        status: 503,
        body: body(
          "The router is shutting down; retry against another instance.",
          "server_error",
          "shutting_down"
        )
      }
    case "NoRouteAvailable":
      return {
        status: httpStatus(failure),
        body: body(failure.message, "server_error", "no_route_available", "model")
      }
    case "AllAttemptsFailed":
      return {
        status: httpStatus(failure),
        body: body(
          `${failure.message} Kinds: ${failure.failures.map((f) => f._tag).join(", ") || "none (nothing could be tried)"}.`,
          "upstream_error",
          upstreamCode(failure),
          null,
          failure.failures.map((f) => ({ deployment: f.deployment, kind: f._tag }))
        )
      }
    case "StreamInterrupted":
      return {
        status: 502,
        body: body(failure.message, "upstream_error", "stream_interrupted", null, [
          { deployment: failure.deployment, kind: failure._tag }
        ])
      }
    case "RouterError":
      return {
        status: 503,
        body: body(
          `The quality router '${failure.router}' could not score this request (${failure.reason}); retry, or use a route without it.`,
          "server_error",
          "router_unavailable"
        )
      }
  }
}

const upstreamCode = (failure: AllAttemptsFailed): string => {
  const last = failure.failures[failure.failures.length - 1]
  if (last === undefined) return "no_deployment_available"
  switch (last._tag) {
    case "Timeout":
      return "upstream_timeout"
    case "RateLimited":
      return "upstream_rate_limited"
    case "ContextWindowExceeded":
      return "context_length_exceeded"
    case "ContentFiltered":
      return "content_filter"
    case "InvalidRequest":
      return "upstream_invalid_request"
    default:
      return "upstream_unavailable"
  }
}

/**
 * The body of an unexpected failure (a bug): no details, only where to look.
 * @since 0.1.0
 */
export const internalErrorBody: ErrorBody = {
  error: {
    message: "The router failed unexpectedly; the server log has the details.",
    type: "server_error",
    param: null,
    code: "internal_error"
  }
}

/**
 * A failure as an HTTP response.
 * @since 0.1.0
 */
export const toResponse = (failure: ServerFailure): HttpServerResponse.HttpServerResponse => {
  const { body, status } = describe(failure)
  const response = HttpServerResponse.unsafeJson(body, { status })
  switch (failure._tag) {
    case "Unauthorized":
      return HttpServerResponse.setHeader(response, "www-authenticate", 'Bearer realm="llm-router"')
    case "BodyTooLarge":
    case "Draining":
      // The rest of the body (or the connection) is not worth keeping.
      return HttpServerResponse.setHeader(response, "connection", "close")
    case "AllAttemptsFailed":
      // A failed request still explains its routing decision.
      return HttpServerResponse.setHeaders(response, DecisionHeaders.fromFailure(failure))
    default:
      return response
  }
}
