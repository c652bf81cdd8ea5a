/**
 * The behaviour script of the fake upstream, as Schema: per model name, how long to wait, what to
 * answer, and which failures to inject (deterministically by request number, or probabilistically
 * from a seed). Load it from JSON or YAML with `loadScript`, or build it in code.
 *
 * @since 0.1.0
 */
import { Effect, Either, Schema } from "effect"
import { readFile } from "node:fs/promises"
import { parse as parseYaml } from "yaml"
import { ConfigError } from "../core/Errors.ts"
import { decodeAt } from "../graph/ConfigDecode.ts"

/**
 * A duration in ms: a fixed number, or uniform between `min` and `max`.
 * @since 0.1.0
 */
export const Millis = Schema.Union(
  Schema.Number.pipe(Schema.nonNegative()),
  Schema.Struct({
    min: Schema.Number.pipe(Schema.nonNegative()),
    max: Schema.Number.pipe(Schema.nonNegative())
  })
)
/** @since 0.1.0 */
export type Millis = typeof Millis.Type

/**
 * What one request gets.
 *
 * - `ok`: a normal answer;
 * - `rate_limit`: 429 with `Retry-After` (`retryAfterSeconds`, default 1) or `retry-after-ms`;
 * - `server_error` (500) / `unavailable` (503): an OpenAI-style error body;
 * - `hang`: never answers (until the client gives up and closes the connection);
 * - `reset`: destroys the connection without a response;
 * - `malformed`: 200 with a body that is not JSON (or, streaming, a chunk that is not JSON);
 * - `cut_stream`: streams `afterChunks` chunks, then ends the response without a finish_reason
 *   (non-streaming requests get a reset);
 * - `reset_stream`: streams `afterChunks` chunks, then destroys the connection;
 * - `context_window`: 400 `context_length_exceeded`; `content_filter`: 400 `content_filter`;
 * - `bad_request` (400), `auth` (401), `not_found` (404).
 *
 * An error kind (`rate_limit`, `server_error`, `unavailable`, `context_window`, `content_filter`,
 * `bad_request`, `auth`, `not_found`) given `afterChunks` answers a streaming request with that many
 * chunks and then the error body as an event (`data: {"error": {...}}`), as OpenAI reports a
 * failure in the middle of a stream; non-streaming requests get the error status as usual.
 * @since 0.1.0
 */
export const BehaviourKind = Schema.Literal(
  "ok",
  "rate_limit",
  "server_error",
  "unavailable",
  "hang",
  "reset",
  "malformed",
  "cut_stream",
  "reset_stream",
  "context_window",
  "content_filter",
  "bad_request",
  "auth",
  "not_found"
)
/** @since 0.1.0 */
export type BehaviourKind = typeof BehaviourKind.Type

/** @since 0.1.0 */
export const Behaviour = Schema.Struct({
  kind: BehaviourKind,
  /** Probability of this behaviour when drawn from `failures` (ignored in `sequence`). */
  probability: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { exact: true }),
  retryAfterSeconds: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { exact: true }),
  retryAfterMs: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { exact: true }),
  afterChunks: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { exact: true }),
  /** Wait before failing (ms). */
  delayMs: Schema.optionalWith(Millis, { exact: true })
})
/** @since 0.1.0 */
export type Behaviour = typeof Behaviour.Type

/**
 * The script of one model.
 * @since 0.1.0
 */
export const ModelScript = Schema.Struct({
  /** Total time of a non-streaming answer. */
  latencyMs: Schema.optionalWith(Millis, { exact: true }),
  /** Time to the first streamed chunk. */
  ttftMs: Schema.optionalWith(Millis, { exact: true }),
  /** Delay between streamed chunks. */
  interTokenMs: Schema.optionalWith(Millis, { exact: true }),
  /** The answer text; by default an echo of the last user message. */
  reply: Schema.optionalWith(Schema.String, { exact: true }),
  /** Behaviours of the first requests, in order (request 1 gets `sequence[0]`, ...). */
  sequence: Schema.optionalWith(Schema.Array(Schema.Union(BehaviourKind, Behaviour)), { exact: true }),
  /** Failures drawn at random (seeded) for requests past the sequence; the rest answer `ok`. */
  failures: Schema.optionalWith(Schema.Array(Behaviour), { exact: true }),
  /** Leave `usage` out of answers (as some OpenAI-compatible servers do), even when asked for it. */
  omitUsage: Schema.optionalWith(Schema.Boolean, { exact: true }),
  /** Prompt characters above which the model answers `context_window`. */
  contextWindowChars: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })
})
/** @since 0.1.0 */
export type ModelScript = typeof ModelScript.Type

/**
 * A whole script: per-model behaviour, the default for unknown models, and the seed.
 *
 * @example
 * import { FakeUpstreamScript } from "effect-llm-router/providers"
 *
 * const script = FakeUpstreamScript.Script.make({
 *   seed: 7,
 *   models: {
 *     flaky: { failures: [{ kind: "rate_limit", probability: 0.25 }, { kind: "hang", probability: 0.25 }] },
 *     slow: { latencyMs: { min: 200, max: 400 } }
 *   }
 * })
 *
 * @since 0.1.0
 */
export const Script = Schema.Struct({
  seed: Schema.optionalWith(Schema.Int, { exact: true }),
  models: Schema.optionalWith(Schema.Record({ key: Schema.String, value: ModelScript }), { exact: true }),
  default: Schema.optionalWith(ModelScript, { exact: true })
})
/** @since 0.1.0 */
export type Script = typeof Script.Type

/**
 * Reads and validates a script file (`.json`, `.yaml` or `.yml`).
 * @since 0.1.0
 */
export const loadScript = (path: string): Effect.Effect<Script, ConfigError> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (cause) =>
      new ConfigError({ path, message: `cannot read the fake-upstream script ${path}`, cause })
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => (/\.ya?ml$/i.test(path) ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown)),
        catch: (cause) =>
          new ConfigError({ path, message: `the fake-upstream script ${path} is not valid JSON/YAML`, cause })
      })
    ),
    // The field that is wrong and why, not a dump of the whole schema.
    Effect.flatMap((value) =>
      Either.match(decodeAt(Script, value, "", { excessProperties: "ignore" }), {
        onLeft: (error) =>
          Effect.fail(
            new ConfigError({
              path,
              message: `invalid fake-upstream script ${path}: ${error.message}`,
              cause: error
            })
          ),
        onRight: (script) => Effect.succeed(script)
      })
    )
  )

/**
 * Picks the behaviour of the `n`-th request (0-based) to a model; `draw` is uniform in [0, 1).
 * @since 0.1.0
 */
export const chooseBehaviour = (script: ModelScript, n: number, draw: () => number): Behaviour => {
  const scripted = script.sequence?.[n]
  if (scripted !== undefined) return typeof scripted === "string" ? { kind: scripted } : scripted
  const failures = script.failures ?? []
  if (failures.length === 0) return { kind: "ok" }
  let r = draw()
  for (const failure of failures) {
    r -= failure.probability ?? 0
    if (r < 0) return failure
  }
  return { kind: "ok" }
}

/**
 * Samples a duration.
 * @since 0.1.0
 */
export const sampleMillis = (millis: Millis | undefined, draw: () => number): number =>
  millis === undefined
    ? 0
    : typeof millis === "number"
      ? millis
      : millis.min + (millis.max - millis.min) * draw()
