/**
 * How strategies write numbers in plan summaries and removal reasons, so that every line of a
 * printed plan reads the same way (`131,072 tokens`, `$0.0031`, `41 ms/token`, `12%`).
 *
 * @since 0.1.0
 */

/**
 * An integer with thousands separators: `131072` → `131,072`.
 *
 * @since 0.1.0
 */
export const count = (value: number): string => Math.round(value).toLocaleString("en-US")

/**
 * A USD amount: cents for amounts of a dollar or more, three significant digits below.
 *
 * @since 0.1.0
 */
export const usd = (value: number): string =>
  value >= 1
    ? `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
    : `$${value.toLocaleString("en-US", { maximumSignificantDigits: 3 })}`

/**
 * Milliseconds, rounded to a readable precision: `41 ms`, `0.35 ms`.
 *
 * @since 0.1.0
 */
export const ms = (value: number): string =>
  `${value >= 10 ? count(value) : value.toLocaleString("en-US", { maximumSignificantDigits: 2 })} ms`

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
export const score = (value: number): string =>
  value.toLocaleString("en-US", { maximumFractionDigits: 2, useGrouping: false })

/**
 * A list for a summary line, or `none`.
 *
 * @since 0.1.0
 */
export const list = (items: ReadonlyArray<string>): string => (items.length === 0 ? "none" : items.join(", "))
