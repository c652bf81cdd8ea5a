/**
 * Small helpers for decoding config values with Schema and turning parse issues into one
 * `ConfigError` whose `path` names the bad field (`routes.main.fallback[0].threshold.threshold`).
 *
 * @since 0.1.0
 */
import { Either, ParseResult, Schema } from "effect"
import { ConfigError } from "../core/Errors.ts"

/**
 * Appends a property or index to a dotted config path.
 * @since 0.1.0
 */
export const joinPath = (base: string, key: PropertyKey): string =>
  typeof key === "number" ? `${base}[${key}]` : base === "" ? String(key) : `${base}.${String(key)}`

/**
 * Decodes `input` with `schema`, reporting the first issue at `path` + the issue's own path.
 * @since 0.1.0
 */
export const decodeAt = <A, I>(
  schema: Schema.Schema<A, I, never>,
  input: unknown,
  path: string
): Either.Either<A, ConfigError> =>
  Either.mapLeft(
    Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(input),
    (error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      const first = issues[0]
      const at = first === undefined ? path : first.path.reduce<string>(joinPath, path)
      const more =
        issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? "s" : ""})` : ""
      return new ConfigError({
        path: at === "" ? "(root)" : at,
        message: `${at === "" ? "(root)" : at}: ${first?.message ?? "invalid value"}${more}`,
        cause: error
      })
    }
  )

/**
 * A `ConfigError` at a path.
 * @since 0.1.0
 */
export const configError = (path: string, message: string): ConfigError =>
  new ConfigError({
    path: path === "" ? "(root)" : path,
    message: `${path === "" ? "(root)" : path}: ${message}`
  })
