/**
 * Reading a JSON request body at the boundary: content type, size limit (counted while reading, so
 * a chunked upload cannot slip past it), strict UTF-8, JSON, nesting depth, then Schema. Every
 * rejection is a 4xx that names what was wrong and, for Schema failures, the field
 * (`messages[0].role`).
 *
 * @since 0.1.0
 */
import { HttpServerRequest } from "@effect/platform"
import { Chunk, Effect, Either, ParseResult, Schema, Stream } from "effect"
import { IncomingMessage } from "node:http"
import { MAX_JSON_DEPTH, tooDeep } from "../core/JsonDepth.ts"
import { BodyTooLarge, InvalidBody, UnsupportedMediaType } from "./HttpErrors.ts"

/**
 * How much of an oversized body is still read (and dropped) before answering 413 while the client
 * is still sending: a body a little over the limit is read to its end, so that the client, done
 * sending, reads the 413 on a connection in a clean state.
 */
const drainBytes = 1024 * 1024

/**
 * How long a connection answered 413 mid-upload may stay open while its answer is flushed, before
 * it is cut (a client that neither reads nor stops sending).
 */
const closeGraceMs = 2_000

const isJsonType = (contentType: string | undefined): boolean => {
  if (contentType === undefined || contentType.trim() === "") return true
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase()
  return mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType)
}

/**
 * Reads the raw body, failing with `BodyTooLarge` as soon as it passes `limitBytes`.
 * @since 0.1.0
 */
export const readBytes = (
  limitBytes: number
): Effect.Effect<Uint8Array, BodyTooLarge | InvalidBody, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const declared = Number(request.headers["content-length"] ?? "0")
    if (Number.isFinite(declared) && declared > limitBytes) return yield* new BodyTooLarge({ limitBytes })
    // Past the limit the rest is read and dropped (up to `drainBytes` more), so the client, which
    // may still be sending, gets the 413 instead of a reset connection.
    const source = request.source
    if (source instanceof IncomingMessage) return yield* readIncoming(source, limitBytes)
    let total = 0
    const parts = yield* request.stream.pipe(
      Stream.mapError(
        () =>
          new InvalidBody({
            message: "The request body could not be read.",
            param: null,
            code: "unreadable_body"
          })
      ),
      Stream.mapEffect((part) => {
        total += part.byteLength
        if (total > limitBytes + drainBytes) return Effect.fail(new BodyTooLarge({ limitBytes }))
        return Effect.succeed(total > limitBytes ? undefined : part)
      }),
      Stream.filter((part): part is Uint8Array => part !== undefined),
      Stream.runCollect
    )
    if (total > limitBytes) return yield* new BodyTooLarge({ limitBytes })
    return Buffer.concat(Chunk.toReadonlyArray(parts))
  })

/**
 * `readBytes` straight from Node's request object: one listener call per body part instead of a
 * stream pipeline per request, which cost the server about 0.4 ms of CPU per request (half of a
 * `POST /v1/route`). Same rules: the limit is counted while reading, and past it the rest is read
 * and dropped up to `drainBytes` more. Past that the 413 is answered at once, while the client is
 * still sending (see `answerMidUpload`). The connection is cut only when the read is interrupted
 * before the body is complete. Requests that are not Node's (web `Request`s in tests) take the
 * stream path.
 */
const readIncoming = (message: IncomingMessage, limitBytes: number) =>
  Effect.async<Uint8Array, BodyTooLarge | InvalidBody>((resume) => {
    const parts: Array<Buffer> = []
    let total = 0
    const cleanup = () => {
      message.off("data", onData)
      message.off("end", onEnd)
      message.off("error", onError)
      message.off("close", onClose)
    }
    const finish = (effect: Effect.Effect<Uint8Array, BodyTooLarge | InvalidBody>) => {
      cleanup()
      resume(effect)
    }
    const unreadable = () =>
      new InvalidBody({
        message: "The request body could not be read.",
        param: null,
        code: "unreadable_body"
      })
    const onData = (part: Buffer) => {
      total += part.byteLength
      if (total > limitBytes + drainBytes) {
        finish(Effect.fail(new BodyTooLarge({ limitBytes })))
        answerMidUpload(message)
        return
      }
      if (total <= limitBytes) parts.push(part)
    }
    const onEnd = () =>
      finish(
        total > limitBytes
          ? Effect.fail(new BodyTooLarge({ limitBytes }))
          : Effect.succeed(Buffer.concat(parts))
      )
    const onError = () => finish(Effect.fail(unreadable()))
    // The connection closed before the body was complete: nothing more will come.
    const onClose = () => (message.complete ? undefined : finish(Effect.fail(unreadable())))
    if (message.readableEnded || message.destroyed) {
      resume(Effect.fail(unreadable()))
      return
    }
    message.on("data", onData)
    message.on("end", onEnd)
    message.on("error", onError)
    message.on("close", onClose)
    return Effect.sync(() => {
      cleanup()
      if (!message.complete) message.destroy()
    })
  })

/**
 * Lets the 413 reach a client that is still uploading. Destroying the request here (as this code
 * once did) closes the socket with the client's bytes unread, so the kernel answers with a reset:
 * the client gets no answer at all (curl: "Empty reply from server", or "Connection reset by
 * peer"). Instead the rest of the body keeps being read and dropped while the 413 goes out with
 * `Connection: close`; once it is flushed, Node's server closes the connection itself (a client
 * such as curl reads an answer while uploading and then stops sending). `closeGraceMs` bounds the
 * wait if the answer cannot be flushed, so no connection is held open by a client that only sends.
 */
const answerMidUpload = (message: IncomingMessage) => {
  // The body's `data` listener is gone: resuming keeps the bytes flowing into nothing.
  message.resume()
  const socket = message.socket
  const cut = setTimeout(() => socket.destroy(), closeGraceMs)
  cut.unref()
  socket.once("close", () => clearTimeout(cut))
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) =>
      typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`,
    ""
  )

const sameKeys = (a: ReadonlyArray<PropertyKey>, b: ReadonlyArray<PropertyKey>) =>
  a.length === b.length && a.every((key, index) => key === b[index])

/**
 * The message of the first issue. A union (a literal list such as the message roles) reports one
 * issue per member at the same path; they are merged into one "Expected A | B | C, actual X", as
 * the CLI does for config files, so the caller sees every valid value and not only the first.
 */
const expectedAlternatives = (
  issues: ReadonlyArray<ParseResult.ArrayFormatterIssue>,
  first: ParseResult.ArrayFormatterIssue
): string => {
  const samePath = issues.filter((issue) => sameKeys(issue.path, first.path))
  const parts = samePath.map((issue) => /^Expected (.*), actual (.*)$/s.exec(issue.message))
  if (samePath.length < 2 || parts.some((match) => match === null)) return first.message
  return `Expected ${parts.map((match) => match![1]).join(" | ")}, actual ${parts[0]![2]}`
}

/**
 * Turns a Schema failure into a 400 naming the first bad field.
 * @since 0.1.0
 */
export const invalidField = (error: ParseResult.ParseError): InvalidBody => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const first = issues[0]
  // A missing element 0 means a non-empty array was empty: name the array itself.
  const emptyArray = first?._tag === "Missing" && first.path[first.path.length - 1] === 0
  const path = emptyArray ? first.path.slice(0, -1) : (first?.path ?? [])
  const param = path.length === 0 ? null : formatPath(path)
  const detail = emptyArray
    ? "must not be empty"
    : (first === undefined ? "invalid value" : expectedAlternatives(issues, first))
        .replace(/\s+/g, " ")
        .slice(0, 300)
  return new InvalidBody({
    message: param === null ? `Invalid request body: ${detail}` : `Invalid value for '${param}': ${detail}`,
    param,
    code: first?._tag === "Missing" ? "missing_required_parameter" : "invalid_value"
  })
}

/**
 * Parses bytes as a UTF-8 JSON document nested at most `MAX_JSON_DEPTH` levels deep. `JSON.parse`
 * accepts far deeper nesting, but everything that walks the value afterwards recursively (Schema
 * decoding, token counting, serializing it for the upstream) would overflow the stack on it.
 * @since 0.1.0
 */
export const parseJson = (bytes: Uint8Array): Either.Either<unknown, InvalidBody> => {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return Either.left(
      new InvalidBody({
        message: "The request body is not valid UTF-8.",
        param: null,
        code: "invalid_encoding"
      })
    )
  }
  if (text.trim() === "") {
    return Either.left(
      new InvalidBody({
        message: "The request body is empty; send a JSON object.",
        param: null,
        code: "invalid_json"
      })
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.slice(0, 200) : "syntax error"
    return Either.left(
      new InvalidBody({
        message: `The request body is not valid JSON (${reason}).`,
        param: null,
        code: "invalid_json"
      })
    )
  }
  const deep = tooDeep(value, MAX_JSON_DEPTH)
  if (deep === undefined) return Either.right(value)
  // `$.x[0][0]...` → `x[0][0]...`, the same notation as the other errors' `param`.
  const param = deep.replace(/^\$\.?/, "")
  return Either.left(
    new InvalidBody({
      message: `The request body is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects (at ${deep}); no request needs that much nesting.`,
      param: param === "" ? null : param,
      code: "invalid_json"
    })
  )
}

/**
 * Reads and decodes a JSON body with a Schema.
 *
 * @example
 * import { Effect } from "effect"
 * import { ChatCompletionRequest } from "effect-llm-router/core/ChatCompletion"
 * import { RequestBody } from "effect-llm-router/server"
 *
 * const handler = Effect.gen(function* () {
 *   const request = yield* RequestBody.decode(ChatCompletionRequest, 1024 * 1024)
 *   return request.model
 * })
 *
 * @since 0.1.0
 */
export const decode = <A, I>(
  schema: Schema.Schema<A, I, never>,
  limitBytes: number
): Effect.Effect<A, BodyTooLarge | InvalidBody | UnsupportedMediaType, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const contentType = request.headers["content-type"]
    if (!isJsonType(contentType))
      return yield* new UnsupportedMediaType({ contentType: String(contentType).slice(0, 100) })
    const bytes = yield* readBytes(limitBytes)
    const json = parseJson(bytes)
    if (Either.isLeft(json)) return yield* json.left
    return yield* Schema.decodeUnknown(schema, { errors: "first" })(json.right).pipe(
      Effect.mapError(invalidField)
    )
  })
