/**
 * `llm-router score`: win rates for a JSONL file of prompts, one output line per input line.
 *
 * Contract: `llm-router score --router NAME [--weights PATH] [--embedder NAME] --input IN.jsonl
 * --output OUT.jsonl`. Each input line is a JSON object with a `prompt` string or `messages` (the last
 * user turn is routed); each output line is the input object with `prompt` and `winRate` ∈ [0, 1].
 * With no `--weights`/`--embedder`, `--router mf` uses the shipped weights and embedder, offline.
 * Progress goes to stderr; a bad line fails the command naming its line number.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Data, Effect, Either, Option, Schema } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { ChatMessage } from "../../core/ChatCompletion.ts"
import { routingTextOf } from "../../core/RoutingContext.ts"
import { decodeAt } from "../../graph/ConfigDecode.ts"
import { makeRouter } from "../../routers/RouterRegistry.ts"
import type { RouterError } from "../../routers/WinRateRouter.ts"

/**
 * A scoring run failed: unreadable input, a malformed line, or an unwritable output.
 *
 * @since 0.1.0
 */
export class ScoreError extends Data.TaggedError("ScoreError")<{
  readonly reason: "InvalidLine" | "InvalidWinRate" | "InputUnreadable" | "OutputUnwritable"
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
 * Parses the text of a JSONL input into the prompt of each line (with the original object), failing
 * on the first bad line with its number.
 *
 * @since 0.1.0
 */
export const parseInput = (
  text: string
): Either.Either<
  Array<{ readonly prompt: string; readonly record: Record<string, unknown> }>,
  ScoreError
> => {
  const lines = text.split(/\r?\n/)
  if (lines[lines.length - 1] === "") lines.pop()
  const parsed: Array<{ prompt: string; record: Record<string, unknown> }> = []
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1
    const bad = (message: string, cause?: unknown) =>
      Either.left(new ScoreError({ reason: "InvalidLine", line, message: `line ${line}: ${message}`, cause }))
    let value: unknown
    try {
      value = JSON.parse(lines[index]!)
    } catch (cause) {
      return bad("not valid JSON", cause)
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return bad('expected a JSON object with a "prompt" string or "messages" array')
    const decoded = decodeAt(InputLine, value, "", { excessProperties: "ignore" })
    if (Either.isLeft(decoded)) return bad(decoded.left.message, decoded.left)
    const prompt =
      decoded.right.prompt ??
      (decoded.right.messages === undefined || decoded.right.messages.length === 0
        ? undefined
        : routingTextOf(decoded.right.messages))
    if (prompt === undefined) return bad('needs a "prompt" string or a non-empty "messages" array')
    parsed.push({ prompt, record: value as Record<string, unknown> })
  }
  return Either.right(parsed)
}

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
    const text = yield* Effect.try({
      try: () => readFileSync(options.input, "utf8"),
      catch: (cause) =>
        new ScoreError({ reason: "InputUnreadable", message: `cannot read input ${options.input}`, cause })
    })
    const lines = yield* parseInput(text)
    const router = yield* makeRouter(options.router, {
      ...(options.weights === undefined ? {} : { weights: options.weights }),
      ...(options.embedder === undefined ? {} : { embedder: options.embedder })
    })
    return { lines, router }
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

const progressBar = (done: number, total: number) => {
  if (done !== total && done % 50 !== 0) return
  const width = 30
  const filled = total === 0 ? width : Math.round((done / total) * width)
  process.stderr.write(
    `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`
  )
}

/**
 * The scoring program: reads the input, builds the router, writes one output line per input line.
 *
 * @since 0.1.0
 */
export const score = Effect.fn("ScoreCommand.score")(function* (options: ScoreOptions) {
  const { lines, router } = yield* loadPromptsAndRouter(options)
  const onProgress = options.onProgress ?? progressBar
  const out: Array<string> = []
  for (let index = 0; index < lines.length; index++) {
    const { prompt, record } = lines[index]!
    const winRate = yield* router.winRate(prompt)
    if (!Number.isFinite(winRate)) {
      return yield* new ScoreError({
        reason: "InvalidWinRate",
        line: index + 1,
        message: `line ${index + 1}: router '${router.name}' returned a win rate that is not a finite number (${winRate})`
      })
    }
    out.push(JSON.stringify({ ...record, prompt, winRate: Math.min(1, Math.max(0, winRate)) }))
    onProgress(index + 1, lines.length)
  }
  yield* Effect.try({
    try: () => writeFileSync(options.output, out.length === 0 ? "" : out.join("\n") + "\n"),
    catch: (cause) =>
      new ScoreError({ reason: "OutputUnwritable", message: `cannot write output ${options.output}`, cause })
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
      Options.withDescription("router name: mf, sw_ranking, classifier, knn, random, token-count, keyword")
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
    output: Options.text("output").pipe(Options.withDescription("JSONL output: prompt and winRate per line"))
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
