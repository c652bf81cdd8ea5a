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
  path: string,
  options: { readonly excessProperties?: "error" | "ignore" } = {}
): Either.Either<A, ConfigError> =>
  Either.mapLeft(
    Schema.decodeUnknownEither(schema, {
      errors: "all",
      onExcessProperty: options.excessProperties ?? "error"
    })(input),
    (error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      const first = issues[0]
      const at = first === undefined ? path : first.path.reduce<string>(joinPath, path)
      // A union (e.g. a literal list) reports one issue per member at the same path: merge them into
      // one "Expected A | B | C" line.
      const samePath = issues.filter((issue) => first !== undefined && sameKeys(issue.path, first.path))
      const expected = samePath.flatMap((issue) => /^Expected (.*), actual (.*)$/s.exec(issue.message) ?? [])
      const merged =
        samePath.length > 1 && expected.length === samePath.length * 3
          ? `Expected ${samePath.map((issue) => /^Expected (.*), actual/s.exec(issue.message)![1]).join(" | ")}, actual ${/, actual (.*)$/s.exec(first!.message)![1]}`
          : first?.message
      const rest = issues.length - (merged === first?.message ? 1 : samePath.length)
      const more = rest > 0 ? ` (and ${rest} more issue${rest > 1 ? "s" : ""})` : ""
      return new ConfigError({
        path: at === "" ? "(root)" : at,
        message: `${at === "" ? "(root)" : at}: ${merged ?? "invalid value"}${more}`,
        cause: error
      })
    }
  )

const sameKeys = (a: ReadonlyArray<PropertyKey>, b: ReadonlyArray<PropertyKey>) =>
  a.length === b.length && a.every((key, index) => key === b[index])

/**
 * A `ConfigError` at a path.
 * @since 0.1.0
 */
export const configError = (path: string, message: string): ConfigError =>
  new ConfigError({
    path: path === "" ? "(root)" : path,
    message: `${path === "" ? "(root)" : path}: ${message}`
  })
