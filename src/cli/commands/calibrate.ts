/**
 * `llm-router calibrate`: the threshold that sends a target fraction of a prompt sample to the
 * strong model (`--strong-fraction 0.5`), printed as JSON.
 *
 * @since 0.1.0
 */
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Effect, Option } from "effect"
import { strongFractionAt, thresholdForStrongFraction } from "../../routers/Calibration.ts"
import { loadPromptsAndRouter, ScoreError } from "./score.ts"

/**
 * Options of {@link calibrate}.
 *
 * @since 0.1.0
 */
export interface CalibrateOptions {
  readonly router: string
  readonly weights?: string
  readonly embedder?: string
  readonly input: string
  readonly strongFraction: number
}

/**
 * The calibration program: scores every prompt of the sample and returns the threshold.
 *
 * @since 0.1.0
 */
export const calibrate = Effect.fn("CalibrateCommand.calibrate")(function* (options: CalibrateOptions) {
  if (!(options.strongFraction >= 0 && options.strongFraction <= 1)) {
    return yield* new ScoreError({
      reason: "InvalidOption",
      message: `--strong-fraction must be in [0, 1], got ${options.strongFraction}`
    })
  }
  const { lines, router } = yield* loadPromptsAndRouter(options)
  // No win rates, no threshold: a made-up default would look like a calibration.
  if (lines.length === 0) {
    return yield* new ScoreError({
      reason: "EmptyInput",
      message: `input ${options.input} has no prompts; calibration needs a sample of prompts, one JSON object per line`
    })
  }
  const winRates = yield* Effect.forEach(lines, (line) => router.winRate(line.prompt))
  const threshold = thresholdForStrongFraction(winRates, options.strongFraction)
  return {
    router: router.name,
    prompts: winRates.length,
    targetStrongFraction: options.strongFraction,
    threshold,
    achievedStrongFraction: strongFractionAt(winRates, threshold)
  }
})

// Text, not `Options.float`: its error ("'abc' is not a float") does not name the option, and it
// takes NaN, Infinity or hexadecimal.
const parseStrongFraction = (text: string) => {
  const value = /^\s*(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : Number.NaN
  return value >= 0 && value <= 1
    ? Effect.succeed(value)
    : Effect.fail(
        ValidationError.invalidValue(
          HelpDoc.p(`--strong-fraction must be a number in [0, 1] (e.g. 0.5), got "${text}"`)
        )
      )
}

/**
 * The `calibrate` command for `@effect/cli`.
 *
 * @since 0.1.0
 */
export const calibrateCommand = Command.make(
  "calibrate",
  {
    router: Options.text("router"),
    weights: Options.text("weights").pipe(Options.optional),
    embedder: Options.text("embedder").pipe(Options.optional),
    input: Options.text("input").pipe(
      Options.withDescription("JSONL sample of prompts (prompt or messages per line)")
    ),
    strongFraction: Options.text("strong-fraction").pipe(
      Options.withDescription("fraction of prompts to send to the strong model, in [0, 1] (default 0.5)"),
      Options.mapEffect(parseStrongFraction),
      Options.withDefault(0.5)
    )
  },
  (args) =>
    Effect.flatMap(
      calibrate({
        router: args.router,
        input: args.input,
        strongFraction: args.strongFraction,
        ...Option.match(args.weights, { onNone: () => ({}), onSome: (weights) => ({ weights }) }),
        ...Option.match(args.embedder, { onNone: () => ({}), onSome: (embedder) => ({ embedder }) })
      }),
      (result) => Effect.sync(() => console.log(JSON.stringify(result)))
    )
).pipe(Command.withDescription("Threshold that sends a target fraction of prompts to the strong model"))
