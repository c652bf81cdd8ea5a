/**
 * How strategies write numbers in plan summaries and removal reasons, so that every line of a
 * printed plan reads the same way (`131,072 tokens`, `$0.0031`, `41 ms/token`, `12%`).
 *
 * @since 0.1.0
 */

// Formatters are built once: `toLocaleString` builds a new one on every call.
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })
const cents = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const threeSignificant = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 })
const twoSignificant = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 2 })
const twoDecimals = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2, useGrouping: false })

/**
 * An integer with thousands separators: `131072` → `131,072`.
 *
 * @since 0.1.0
 */
export const count = (value: number): string => integer.format(Math.round(value))

/**
 * A USD amount: cents from ten cents up (`$0.55`, `$12.40`), three significant digits below
 * (`$0.00312`).
 *
 * @since 0.1.0
 */
export const usd = (value: number): string =>
  value >= 0.1 ? `$${cents.format(value)}` : `$${threeSignificant.format(value)}`

/**
 * Milliseconds, rounded to a readable precision: `41 ms`, `0.35 ms`.
 *
 * @since 0.1.0
 */
export const ms = (value: number): string => `${value >= 10 ? count(value) : twoSignificant.format(value)} ms`

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
export const score = (value: number): string => twoDecimals.format(value)

/**
 * A list for a summary line, or `none`.
 *
 * @since 0.1.0
 */
export const list = (items: ReadonlyArray<string>): string => (items.length === 0 ? "none" : items.join(", "))
