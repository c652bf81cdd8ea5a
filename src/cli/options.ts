/**
 * Command-line options with errors that name the option: `@effect/cli`'s own integer option says
 * only "'abc' is not a integer", and takes values such as `1e3` or `0x10` in ways users do not
 * expect.
 *
 * @since 0.1.0
 */
import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { Effect } from "effect"

/**
 * A whole-number option in `[min, max]` (decimal digits only), e.g. `integer("port", { min: 0, max: 65535 })`.
 *
 * @since 0.1.0
 */
export const integer = (
  name: string,
  range: { readonly min?: number; readonly max?: number } = {}
): Options.Options<number> => {
  const min = range.min ?? Number.MIN_SAFE_INTEGER
  const max = range.max ?? Number.MAX_SAFE_INTEGER
  const expected =
    range.min === undefined && range.max === undefined
      ? "an integer"
      : range.max === undefined
        ? `an integer ≥ ${min}`
        : `an integer from ${min} to ${max}`
  return Options.text(name).pipe(
    Options.mapEffect((text) => {
      const value = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : Number.NaN
      return Number.isSafeInteger(value) && value >= min && value <= max
        ? Effect.succeed(value)
        : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--${name} must be ${expected}, got "${text}"`)))
    })
  )
}
