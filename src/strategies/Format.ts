/**
 * How strategies write numbers in plan summaries and removal reasons, so that every line of a
 * printed plan reads the same way (`131,072 tokens`, `$0.0031`, `41 ms/token`, `12%`).
 *
 * @since 0.1.0
 */

// Formatters are built once, on first use (`toLocaleString` builds a new one on every call, and
// building them all at import time costs a cold CLI start about 10 ms).
const formatter = (options: Intl.NumberFormatOptions): ((value: number) => string) => {
  let built: Intl.NumberFormat | undefined
  return (value) => (built ??= new Intl.NumberFormat("en-US", options)).format(value)
}
const integer = formatter({ maximumFractionDigits: 0 })
const cents = formatter({ minimumFractionDigits: 2, maximumFractionDigits: 2 })
const threeSignificant = formatter({ maximumSignificantDigits: 3 })
const twoSignificant = formatter({ maximumSignificantDigits: 2 })
const twoDecimals = formatter({ maximumFractionDigits: 2, useGrouping: false })

/**
 * An integer with thousands separators: `131072` → `131,072`.
 *
 * @since 0.1.0
 */
export const count = (value: number): string => integer(Math.round(value))

/**
 * A USD amount: cents from ten cents up (`$0.55`, `$12.40`), three significant digits below
 * (`$0.00312`).
 *
 * @since 0.1.0
 */
export const usd = (value: number): string =>
  value >= 0.1 ? `$${cents(value)}` : `$${threeSignificant(value)}`

/**
 * Milliseconds, rounded to a readable precision: `41 ms`, `0.35 ms`.
 *
 * @since 0.1.0
 */
export const ms = (value: number): string => `${value >= 10 ? count(value) : twoSignificant(value)} ms`

/**
 * A fraction as a whole percentage: `0.123` → `12%`.
 *
 * @since 0.1.0
 */
export const percent = (fraction: number): string => `${Math.round(fraction * 100)}%`

/**
 * A score with at most two decimals: `3`, `2.5`, `0.33`.
 *
 * @since 0.1.0
 */
export const score = (value: number): string => twoDecimals(value)

/**
 * A list for a summary line, or `none`.
 *
 * @since 0.1.0
 */
export const list = (items: ReadonlyArray<string>): string => (items.length === 0 ? "none" : items.join(", "))
