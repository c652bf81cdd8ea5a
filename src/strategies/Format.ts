/**
 * How strategies write numbers in plan summaries and removal reasons, so that every line of a
 * printed plan reads the same way (`131,072 tokens`, `$0.0031`, `41 ms/token`, `12%`).
 *
 * @since 0.1.0
 */

// Written out rather than built on `Intl.NumberFormat`: the first formatter a process builds loads
// ICU's number data, about 15 ms of a cold CLI start. Rounding is decimal, half away from zero, on
// the shortest decimal form of the number, as ICU does (so 1.005 → 1.01, where toFixed gives 1.00).
// test/strategies/Format.test.ts checks each against `Intl.NumberFormat("en-US", ...)` with the
// options named in its comment.

/** A non-negative finite number as decimal digits: value = 0.d₁d₂d₃… × 10^point. */
interface Decimal {
  readonly digits: string
  readonly point: number
}

const toDecimal = (magnitude: number): Decimal => {
  const [mantissa, exponent] = magnitude.toExponential().split("e")
  return { digits: mantissa!.replace(".", ""), point: Number(exponent) + 1 }
}

/** Keeps the first `keep` digits, rounding half away from zero. */
const roundDigits = ({ digits, point }: Decimal, keep: number): Decimal => {
  if (digits.length <= keep) return { digits, point }
  if (keep < 0) return { digits: "0", point: 1 }
  const kept = digits.slice(0, keep).split("").map(Number)
  if (digits.charCodeAt(keep) >= 53 /* "5" */) {
    let index = kept.length - 1
    while (index >= 0 && kept[index] === 9) kept[index--] = 0
    if (index < 0) return { digits: "1", point: point + 1 }
    kept[index]! += 1
  }
  return kept.length === 0 ? { digits: "0", point: 1 } : { digits: kept.join(""), point }
}

/** Fixed notation with between `minFraction` and `maxFraction` fractional digits. */
const render = (
  { digits, point }: Decimal,
  minFraction: number,
  maxFraction: number,
  grouping: boolean
): string => {
  const all = point <= 0 ? "0".repeat(1 - point) + digits : digits.padEnd(point, "0")
  const wholeLength = Math.max(point, 1)
  const whole = all.slice(0, wholeLength).replace(/^0+(?=\d)/, "")
  let fraction = all.slice(wholeLength, wholeLength + maxFraction).replace(/0+$/, "")
  fraction = fraction.padEnd(minFraction, "0")
  const grouped = grouping ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : whole
  return fraction.length === 0 ? grouped : `${grouped}.${fraction}`
}

const format =
  (round: (decimal: Decimal) => Decimal, minFraction: number, maxFraction: number, grouping: boolean) =>
  (value: number): string => {
    if (!Number.isFinite(value)) return String(value)
    const text =
      value === 0 ? "0" : render(round(toDecimal(Math.abs(value))), minFraction, maxFraction, grouping)
    return value < 0 && text !== "0" && /[1-9]/.test(text) ? `-${text}` : text
  }

const fractionDigits = (places: number) => (decimal: Decimal) => roundDigits(decimal, decimal.point + places)

// { maximumFractionDigits: 0 }
const integer = format(fractionDigits(0), 0, 0, true)
// { minimumFractionDigits: 2, maximumFractionDigits: 2 }
const cents = format(fractionDigits(2), 2, 2, true)
// { maximumSignificantDigits: 3 } and { maximumSignificantDigits: 2 }
const threeSignificant = format((decimal) => roundDigits(decimal, 3), 0, Number.POSITIVE_INFINITY, true)
const twoSignificant = format((decimal) => roundDigits(decimal, 2), 0, Number.POSITIVE_INFINITY, true)
// { maximumFractionDigits: 2, useGrouping: false }
const twoDecimals = format(fractionDigits(2), 0, 2, false)

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
