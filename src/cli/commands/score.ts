/**
 * `llm-router score`: win rates for a JSONL file of prompts, one output line per input line.
 *
 * Contract: `llm-router score --router NAME [--weights PATH] [--embedder NAME] --input IN.jsonl
 * --output OUT.jsonl`. Each input line is a JSON object with a `prompt` string or `messages` (the last
 * user turn is routed); each output line is the input line with `winRate` ∈ [0, 1] (and `prompt`, for
 * `messages` lines) set. The line is edited as text, so its other fields come out exactly as written
 * (integers beyond 2^53 included). The input must be UTF-8; blank lines at its end are ignored.
 * With no `--weights`/`--embedder`, `--router mf` uses the shipped weights and embedder, offline.
 * `--output -` writes to standard output. Progress goes to stderr; a bad line fails the command naming
 * its line number.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Data, Effect, Either, Option, Schema } from "effect"
import { existsSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { ChatMessage } from "../../core/ChatCompletion.ts"
import { routingTextOf } from "../../core/RoutingContext.ts"
import * as JsonLines from "../../evaluation/JsonLines.ts"
import { decodeAt } from "../../graph/ConfigDecode.ts"
import { defaultWeightsPath, makeRouter } from "../../routers/RouterRegistry.ts"
import type { RouterError } from "../../routers/WinRateRouter.ts"
import { progress } from "../progress.ts"

/**
 * A scoring run failed: unreadable input, a malformed line, or an unwritable output.
 *
 * @since 0.1.0
 */
export class ScoreError extends Data.TaggedError("ScoreError")<{
  readonly reason:
    "InvalidLine" | "InvalidWinRate" | "InputUnreadable" | "OutputUnwritable" | "InvalidOption" | "EmptyInput"
  /** 1-based line number of the offending input line, when there is one. */
  readonly line?: number
  readonly message: string
  readonly cause?: unknown
}> {}

const InputLine = Schema.Struct({
  prompt: Schema.optional(Schema.String),
  messages: Schema.optional(Schema.Array(ChatMessage))
})

/**
 * Parses the text of a JSONL input into the prompt of each line (with the original object and the
 * line's own text), failing on the first bad line with its number. Blank lines at the very end of
 * the file are dropped; a blank line anywhere else is an error, since one output line is written per
 * input line.
 *
 * @since 0.1.0
 */
export const parseInput = (
  text: string
): Either.Either<
  Array<{ readonly prompt: string; readonly record: Record<string, unknown>; readonly text: string }>,
  ScoreError
> => {
  const lines = JsonLines.splitLines(text)
  const parsed: Array<{ prompt: string; record: Record<string, unknown>; text: string }> = []
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1
    const bad = (message: string, cause?: unknown) =>
      Either.left(new ScoreError({ reason: "InvalidLine", line, message: `line ${line}: ${message}`, cause }))
    if (lines[index]!.trim() === "")
      return bad("blank line; every line must be a JSON object (one output line is written per input line)")
    const value = JsonLines.parseLine(lines[index]!)
    if (Either.isLeft(value)) return bad(value.left)
    if (typeof value.right !== "object" || value.right === null || Array.isArray(value.right))
      return bad('expected a JSON object with a "prompt" string or "messages" array')
    const decoded = decodeAt(InputLine, value.right, "", { excessProperties: "ignore" })
    if (Either.isLeft(decoded)) return bad(decoded.left.message, decoded.left)
    const { messages } = decoded.right
    if (decoded.right.prompt !== undefined && messages !== undefined)
      return bad('has both "prompt" and "messages"; give one, the text to route is ambiguous')
    // Without a user turn the routed text would silently be another role's message.
    if (messages !== undefined && messages.length > 0 && !messages.some((message) => message.role === "user"))
      return bad('"messages" has no user turn to route')
    const prompt =
      decoded.right.prompt ??
      (messages === undefined || messages.length === 0 ? undefined : routingTextOf(messages))
    if (prompt === undefined) return bad('needs a "prompt" string or a non-empty "messages" array')
    // An empty text still gets a win rate (the router's prior), which would look like a real score.
    if (prompt.trim() === "")
      return bad(
        decoded.right.prompt !== undefined
          ? "prompt: must be a non-empty string"
          : 'the last user turn of "messages" has no text to route (its content is empty, null or only images)'
      )
    parsed.push({ prompt, record: value.right as Record<string, unknown>, text: lines[index]! })
  }
  return Either.right(parsed)
}

/**
 * Decodes the bytes of a JSONL input as strict UTF-8: an invalid byte sequence fails naming its
 * line, where a lenient decoder would score a prompt with U+FFFD in place of the bytes.
 *
 * @since 0.1.0
 */
export const decodeInput = (bytes: Uint8Array, input: string): Either.Either<string, ScoreError> =>
  Either.mapLeft(
    JsonLines.decodeUtf8(bytes),
    ({ line }) =>
      new ScoreError({
        reason: "InvalidLine",
        line,
        message: `line ${line}: not valid UTF-8 (${input} must be UTF-8 encoded text)`
      })
  )

/**
 * Reads a JSONL prompt file (see {@link parseInput}) and builds the router to score it with: what
 * `score` and `calibrate` share.
 *
 * @since 0.1.0
 */
export const loadPromptsAndRouter = (options: {
  readonly input: string
  readonly router: string
  readonly weights?: string | undefined
  readonly embedder?: string | undefined
}) =>
  Effect.gen(function* () {
    const bytes = yield* Effect.try({
      try: () => readFileSync(options.input),
      catch: (cause) =>
        new ScoreError({
          reason: "InputUnreadable",
          message: `cannot read input ${options.input}: ${describe(cause)}`,
          cause
        })
    })
    const lines = yield* parseInput(yield* decodeInput(bytes, options.input))
    const router = yield* makeRouter(options.router, {
      ...(options.weights === undefined ? {} : { weights: options.weights }),
      ...(options.embedder === undefined ? {} : { embedder: options.embedder })
    })
    const note = heldOutWarning(options.weights ?? defaultWeightsPath(options.router))
    if (note !== undefined) yield* Effect.sync(() => process.stderr.write(`${note}\n`))
    return { lines, router }
  })

/**
 * A note for weights whose manifest records a held-out APGR below random (0.5), as the shipped
 * `knn`, `classifier` and `sw_ranking` weights do on MT Bench: they run, but the user should know.
 * Nothing for weights without such a figure, or for files that are not JSON manifests.
 */
export const heldOutWarning = (manifestPath: string): string | undefined => {
  if (!manifestPath.endsWith(".json") || !existsSync(manifestPath)) return undefined
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      readonly router?: unknown
      readonly metrics?: Record<string, unknown>
    }
    for (const [benchmark, figures] of Object.entries(manifest.metrics ?? {})) {
      const apgr = (figures as { readonly apgrRouteLLM?: unknown } | null)?.apgrRouteLLM
      if (benchmark.includes("held-out") && typeof apgr === "number" && apgr < 0.5)
        return `note: these ${String(manifest.router)} weights (${manifestPath}) score APGR ${apgr.toFixed(3)} on ${benchmark}, below random routing (0.5); the shipped mf weights are the recommended default`
    }
  } catch {
    // The router has already loaded the manifest; a figure it cannot read is simply not shown.
  }
  return undefined
}

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

const unwritable = (output: string, problem: string, cause?: unknown) =>
  new ScoreError({ reason: "OutputUnwritable", message: `cannot write output ${output}: ${problem}`, cause })

/**
 * Checks, before any prompt is scored, that `output` can be written and is not the input (which it
 * would overwrite): a long run must not fail only at its end. `-` is standard output.
 */
const checkOutput = (input: string, output: string): Either.Either<void, ScoreError> => {
  if (output === "-") return Either.void
  const sameFile = (() => {
    try {
      return existsSync(output) && realpathSync(output) === realpathSync(input)
    } catch {
      return resolve(output) === resolve(input)
    }
  })()
  if (sameFile) return Either.left(unwritable(output, "it is the input file, which it would overwrite"))
  try {
    if (existsSync(output) && statSync(output).isDirectory())
      return Either.left(unwritable(output, "it is a directory"))
    if (!statSync(dirname(resolve(output))).isDirectory())
      return Either.left(unwritable(output, `${dirname(resolve(output))} is not a directory`))
  } catch (cause) {
    return Either.left(unwritable(output, `its directory ${dirname(resolve(output))} does not exist`, cause))
  }
  return Either.void
}

/**
 * Writes to standard output, failing (not crashing) when it is closed early, as `| head` does: the
 * stream reports that as an `error` event, which would be an uncaught exception without a listener.
 */
const writeStandardOutput = (body: string) =>
  Effect.async<void, ScoreError>((resume) => {
    let done = false
    const finish = (error: Error | null | undefined) => {
      if (done) return
      done = true
      resume(error ? Effect.fail(unwritable("-", describe(error), error)) : Effect.void)
    }
    process.stdout.on("error", finish)
    process.stdout.write(body, finish)
  })

/**
 * Options of {@link score}.
 *
 * @since 0.1.0
 */
export interface ScoreOptions {
  readonly router: string
  readonly weights?: string
  readonly embedder?: string
  readonly input: string
  readonly output: string
  /** Called after each line (default: a progress bar on stderr). */
  readonly onProgress?: (done: number, total: number) => void
}

const progressBar = (done: number, total: number) => progress("", done, total, { redrawEvery: 50 })

/**
 * The scoring program: reads the input, builds the router, writes one output line per input line.
 *
 * @since 0.1.0
 */
export const score = Effect.fn("ScoreCommand.score")(function* (options: ScoreOptions) {
  yield* checkOutput(options.input, options.output)
  const { lines, router } = yield* loadPromptsAndRouter(options)
  const onProgress = options.onProgress ?? progressBar
  const out: Array<string> = []
  for (let index = 0; index < lines.length; index++) {
    const { prompt, record, text } = lines[index]!
    const winRate = yield* router.winRate(prompt)
    if (!Number.isFinite(winRate)) {
      return yield* new ScoreError({
        reason: "InvalidWinRate",
        line: index + 1,
        message: `line ${index + 1}: router '${router.name}' returned a win rate that is not a finite number (${winRate})`
      })
    }
    // Edited as text, not re-serialised: the line's other fields keep their exact spelling (an id
    // beyond 2^53 would otherwise come out rounded).
    const clamped = Math.min(1, Math.max(0, winRate))
    out.push(
      JsonLines.setMembers(
        text,
        Object.hasOwn(record, "prompt") ? { winRate: clamped } : { prompt, winRate: clamped }
      )
    )
    onProgress(index + 1, lines.length)
  }
  const body = out.length === 0 ? "" : out.join("\n") + "\n"
  // `-`: standard output; the progress bar is on stderr, so stdout holds only the JSONL.
  yield* options.output === "-"
    ? writeStandardOutput(body)
    : Effect.try({
        try: () => writeFileSync(options.output, body),
        catch: (cause) => unwritable(options.output, describe(cause), cause)
      })
  return { lines: lines.length, router: router.name }
}) as (
  options: ScoreOptions
) => Effect.Effect<{ readonly lines: number; readonly router: string }, ScoreError | RouterError>

/**
 * The `score` command for `@effect/cli`.
 *
 * @since 0.1.0
 */
export const scoreCommand = Command.make(
  "score",
  {
    router: Options.text("router").pipe(
      Options.withDescription(
        "router name: mf, sw_ranking, classifier, knn, knn_ridge, knn_logistic, random, token-count, keyword"
      )
    ),
    weights: Options.text("weights").pipe(
      Options.withDescription("weights manifest (.json), RouteLLM .safetensors (mf) or .onnx (classifier)"),
      Options.optional
    ),
    embedder: Options.text("embedder").pipe(
      Options.withDescription("embedder name: static, hashing, use-lite, openai, a+b"),
      Options.optional
    ),
    input: Options.text("input").pipe(Options.withDescription("JSONL with a prompt or messages per line")),
    output: Options.text("output").pipe(
      Options.withDescription(
        "JSONL output: each input line with winRate (and prompt) set, other fields kept as written (- for standard output)"
      )
    )
  },
  (args) =>
    score({
      router: args.router,
      input: args.input,
      output: args.output,
      ...Option.match(args.weights, { onNone: () => ({}), onSome: (weights) => ({ weights }) }),
      ...Option.match(args.embedder, { onNone: () => ({}), onSome: (embedder) => ({ embedder }) })
    })
).pipe(Command.withDescription("Score prompts with a quality router: one winRate per input line"))
