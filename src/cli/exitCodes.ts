/**
 * Exit codes of the command line, and how failures are printed: one clear line on stderr, never a
 * stack trace for an expected failure.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | unexpected failure (a bug: please report it) |
 * | 2 | bad usage or bad input: unknown option, unreadable or invalid config/data file |
 * | 3 | no route available, or every attempt failed |
 *
 * @since 0.1.0
 */
import { ValidationError } from "@effect/cli"
import { Cause, Console, Effect } from "effect"

/** @since 0.1.0 */
export const ExitCode = { ok: 0, unexpected: 1, badInput: 2, noRoute: 3 } as const

const codeFor = (error: unknown): number => {
  if (ValidationError.isValidationError(error)) return ExitCode.badInput
  const tag = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : ""
  if (tag === "NoRouteAvailable" || tag === "AllAttemptsFailed") return ExitCode.noRoute
  if (tag.length > 0) return ExitCode.badInput
  return ExitCode.unexpected
}

/**
 * Prints an expected failure as one line and sets the exit code; defects keep their full cause.
 * @since 0.1.0
 */
export const reportFailure = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<void, never, R> =>
  effect.pipe(
    Effect.asVoid,
    Effect.catchAllCause((cause) =>
      Effect.gen(function* () {
        const failure = Cause.failureOption(cause)
        if (failure._tag === "Some") {
          const error = failure.value
          // @effect/cli has already printed its own help text for validation errors.
          if (!ValidationError.isValidationError(error)) {
            const message = error instanceof Error ? error.message : String(error)
            const tag =
              typeof error === "object" && error !== null && "_tag" in error ? `${String(error._tag)}: ` : ""
            yield* Console.error(`llm-router: ${tag}${message}`)
          }
          process.exitCode = codeFor(error)
        } else if (!Cause.isInterruptedOnly(cause)) {
          yield* Console.error(`llm-router: unexpected failure (please report it):\n${Cause.pretty(cause)}`)
          process.exitCode = ExitCode.unexpected
        }
      })
    )
  )
