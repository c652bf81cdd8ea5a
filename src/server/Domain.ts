/**
 * The server's own wire shapes, apart from the handlers: OpenAI-style error bodies, the model list
 * and the health answer. Chat-completion requests and responses are the core Schemas in
 * `core/ChatCompletion.ts`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The OpenAI error envelope: `{ "error": { "message", "type", "param", "code" } }`. `param` names
 * the offending field (`messages[0].role`) when there is one.
 * @since 0.1.0
 */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    message: Schema.String,
    type: Schema.String,
    param: Schema.NullOr(Schema.String),
    code: Schema.NullOr(Schema.String),
    /** For upstream failures: the failure kinds of every attempt, in order. */
    failures: Schema.optionalWith(
      Schema.Array(Schema.Struct({ deployment: Schema.String, kind: Schema.String })),
      { exact: true }
    )
  })
})
/** @since 0.1.0 */
export type ErrorBody = typeof ErrorBody.Type

/**
 * One entry of `GET /v1/models` (the OpenAI model object, plus what kind of name it is).
 * @since 0.1.0
 */
export const ModelEntry = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("model"),
  created: Schema.Number,
  owned_by: Schema.String,
  kind: Schema.Literal("route", "routellm"),
  default: Schema.Boolean
})

/** @since 0.1.0 */
export const ModelList = Schema.Struct({ object: Schema.Literal("list"), data: Schema.Array(ModelEntry) })
/** @since 0.1.0 */
export type ModelList = typeof ModelList.Type

/**
 * `GET /health`: `ok` while serving, `draining` during graceful shutdown (with status 503).
 * @since 0.1.0
 */
export const Health = Schema.Struct({
  status: Schema.Literal("ok", "draining"),
  routes: Schema.Number,
  deployments: Schema.Number,
  inFlight: Schema.Number
})
/** @since 0.1.0 */
export type Health = typeof Health.Type
