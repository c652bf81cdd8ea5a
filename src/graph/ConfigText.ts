/**
 * Config file text to a value: YAML or JSON, with errors that name the file and the line.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import YAML from "yaml"
import { ConfigError } from "../core/Errors.ts"

/**
 * Parses config text: YAML for `.yaml`/`.yml`, JSON otherwise. Syntax errors name the line; a key
 * written twice in one mapping is an error in both formats (JSON would keep the last silently).
 * @since 0.1.0
 */
export const parseText = (text: string, file: string): Either.Either<unknown, ConfigError> => {
  // Editors on Windows may save a byte order mark, which JSON.parse rejects.
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text
  const isYaml = /\.ya?ml$/i.test(file)
  if (isYaml) {
    try {
      const document = YAML.parseDocument(source, { prettyErrors: true })
      const first = document.errors[0]
      if (first !== undefined) {
        return Either.left(
          new ConfigError({ path: file, message: `${file}: invalid YAML: ${first.message}`, cause: first })
        )
      }
      // Aliases are expanded here: an undefined anchor, or aliases that would multiply the
      // document (a "billion laughs"), throw.
      return Either.right(document.toJS())
    } catch (cause) {
      return Either.left(
        new ConfigError({
          path: file,
          message: `${file}: invalid YAML: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause
        })
      )
    }
  }
  let value: unknown
  try {
    value = JSON.parse(source)
  } catch (cause) {
    return Either.left(
      new ConfigError({
        path: file,
        message: `${file}: invalid JSON${/\.json$/i.test(file) ? "" : " (a file not named .yaml or .yml is read as JSON)"}: ${(cause as Error).message}`,
        cause
      })
    )
  }
  const duplicate = duplicateJsonKey(source)
  return duplicate === undefined
    ? Either.right(value)
    : Either.left(new ConfigError({ path: file, message: `${file}: invalid JSON: ${duplicate}` }))
}

// Valid JSON is valid YAML, and the YAML parser reports keys written twice (with their line).
const duplicateJsonKey = (json: string): string | undefined => {
  try {
    const error = YAML.parseDocument(json).errors.find((e) => e.code === "DUPLICATE_KEY")
    if (error === undefined) return undefined
    const key = /^"(?:[^"\\]|\\.)*"/.exec(json.slice(error.pos[0]))?.[0]
    const at = error.linePos?.[0]
    return `${key === undefined ? "a key" : `the key ${key}`} is written twice in one object${at === undefined ? "" : ` (line ${at.line}, column ${at.col})`}`
  } catch {
    return undefined // too deeply nested for the YAML parser; JSON.parse has accepted it
  }
}
