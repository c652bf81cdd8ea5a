/**
 * JSON Lines files as the quality commands read and write them (`score` and `calibrate` inputs,
 * `train` data): strict UTF-8, one JSON value per line, nesting bounded, and each output line built
 * from its input line's own text so that fields the command does not touch keep their exact spelling
 * (`JSON.parse` would round integers beyond 2^53 and re-serialise everything else).
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import { MAX_JSON_DEPTH, tooDeep } from "../core/JsonDepth.ts"

/**
 * Decodes a file's bytes as UTF-8, failing (instead of substituting U+FFFD) with the 1-based number
 * of the line holding the first invalid byte sequence. A leading byte-order mark is dropped.
 *
 * @example
 * import { JsonLines } from "./src/evaluation/index.ts"
 *
 * JsonLines.decodeUtf8(new Uint8Array([0x61, 0x0a, 0xff])) // Either.left({ line: 2 })
 *
 * @since 0.1.0
 */
export const decodeUtf8 = (bytes: Uint8Array): Either.Either<string, { readonly line: number }> => {
  try {
    return Either.right(new TextDecoder("utf-8", { fatal: true }).decode(bytes))
  } catch {
    // Lines end at byte 0x0A, which never occurs inside a multi-byte sequence: decode line by line.
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
    let line = 1
    for (let start = 0; start <= bytes.length; line++) {
      const newline = bytes.indexOf(0x0a, start)
      const end = newline < 0 ? bytes.length : newline
      try {
        decoder.decode(bytes.subarray(start, end))
      } catch {
        return Either.left({ line })
      }
      start = end + 1
    }
    return Either.left({ line: line - 1 })
  }
}

/**
 * Splits decoded text into lines (`\n` or `\r\n`), dropping a byte-order mark and the blank or
 * whitespace-only lines at the very end of the file, which carry nothing.
 *
 * @since 0.1.0
 */
export const splitLines = (text: string): Array<string> => {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/)
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop()
  return lines
}

/**
 * Parses one line as JSON, failing with a short description of the problem: the parser's message
 * (trimmed to about 200 characters), or where the value is nested deeper than `maxDepth` levels
 * (which recursive decoding and serialising would overflow the stack on).
 *
 * @since 0.1.0
 */
export const parseLine = (
  text: string,
  maxDepth: number = MAX_JSON_DEPTH
): Either.Either<unknown, string> => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    return Either.left(`not valid JSON (${detail.length > 200 ? `${detail.slice(0, 197)}...` : detail})`)
  }
  const deep = tooDeep(value, maxDepth)
  return deep === undefined
    ? Either.right(value)
    : Either.left(`nested deeper than ${maxDepth} levels at ${deep}`)
}

interface Member {
  readonly key: string
  readonly valueStart: number
  readonly valueEnd: number
}

const isSpace = (char: string | undefined) => char === " " || char === "\t" || char === "\n" || char === "\r"

/** The end (exclusive) of the JSON string literal starting at `start`. */
const stringEnd = (text: string, start: number) => {
  let index = start + 1
  while (text[index] !== '"') index += text[index] === "\\" ? 2 : 1
  return index + 1
}

/**
 * The top-level members of a line known to be a valid JSON object, with where each value's text
 * lies, and the position of the closing brace.
 */
const membersOf = (text: string): { readonly members: Array<Member>; readonly close: number } => {
  const members: Array<Member> = []
  let index = text.indexOf("{") + 1
  const skipSpace = () => {
    while (isSpace(text[index])) index++
  }
  for (;;) {
    skipSpace()
    if (text[index] === "}") return { members, close: index }
    if (text[index] === ",") {
      index++
      skipSpace()
    }
    const keyEnd = stringEnd(text, index)
    const key = JSON.parse(text.slice(index, keyEnd)) as string
    index = keyEnd
    skipSpace()
    index++ // the colon
    skipSpace()
    const valueStart = index
    let depth = 0
    while (depth > 0 || (text[index] !== "," && text[index] !== "}")) {
      const char = text[index]
      if (char === '"') {
        index = stringEnd(text, index)
        continue
      }
      if (char === "{" || char === "[") depth++
      else if (char === "}" || char === "]") depth--
      index++
    }
    let valueEnd = index
    while (isSpace(text[valueEnd - 1])) valueEnd--
    members.push({ key, valueStart, valueEnd })
  }
}

/**
 * Sets top-level members of a JSON object line (one that `JSON.parse` accepts) by editing its text:
 * an existing member's value is replaced where it stands (every occurrence, if the key is
 * duplicated), a new member is appended; everything else is kept byte for byte.
 *
 * @example
 * import { JsonLines } from "./src/evaluation/index.ts"
 *
 * JsonLines.setMembers('{"id":12345678901234567890,"prompt":"hi"}', { winRate: 0.25 })
 * // '{"id":12345678901234567890,"prompt":"hi","winRate":0.25}'
 *
 * @since 0.1.0
 */
export const setMembers = (text: string, values: Readonly<Record<string, unknown>>): string => {
  const { close, members } = membersOf(text)
  const edits: Array<{ start: number; end: number; replacement: string }> = []
  const appended: Array<string> = []
  for (const [key, value] of Object.entries(values)) {
    const json = JSON.stringify(value)
    const existing = members.filter((member) => member.key === key)
    if (existing.length === 0) appended.push(`${JSON.stringify(key)}:${json}`)
    for (const member of existing)
      edits.push({ start: member.valueStart, end: member.valueEnd, replacement: json })
  }
  if (appended.length > 0)
    edits.push({
      start: close,
      end: close,
      replacement: (members.length > 0 ? "," : "") + appended.join(",")
    })
  // One pass, left to right: linear in the line's length however many members are replaced.
  const source = text.trimEnd()
  const parts: Array<string> = []
  let position = 0
  for (const edit of edits.sort((a, b) => a.start - b.start)) {
    parts.push(source.slice(position, edit.start), edit.replacement)
    position = edit.end
  }
  parts.push(source.slice(position))
  return parts.join("")
}
