/**
 * `llm-router calibrate`: the threshold that sends a target fraction of a prompt sample to the
 * strong model (`--strong-fraction 0.5`), printed as JSON.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
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
      reason: "InvalidLine",
      message: `--strong-fraction must be in [0, 1], got ${options.strongFraction}`
    })
  }
  const { lines, router } = yield* loadPromptsAndRouter(options)
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
    strongFraction: Options.float("strong-fraction").pipe(Options.withDefault(0.5))
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
