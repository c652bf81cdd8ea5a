import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Format from "../../src/strategies/Format.ts"

// Format writes numbers without Intl (see its header); these are the Intl formatters it must match.
const intl = (options: Intl.NumberFormatOptions) => {
  const formatter = new Intl.NumberFormat("en-US", options)
  return (value: number) => formatter.format(value)
}
const integer = intl({ maximumFractionDigits: 0 })
const cents = intl({ minimumFractionDigits: 2, maximumFractionDigits: 2 })
const threeSignificant = intl({ maximumSignificantDigits: 3 })
const twoSignificant = intl({ maximumSignificantDigits: 2 })
const twoDecimals = intl({ maximumFractionDigits: 2, useGrouping: false })

const expected = {
  count: (value: number) => integer(Math.round(value)),
  usd: (value: number) => (value >= 0.1 ? `$${cents(value)}` : `$${threeSignificant(value)}`),
  ms: (value: number) => `${value >= 10 ? integer(Math.round(value)) : twoSignificant(value)} ms`,
  score: twoDecimals
}

const check = (value: number) => {
  expect(Format.count(value)).toBe(expected.count(value))
  expect(Format.usd(value)).toBe(expected.usd(value))
  expect(Format.ms(value)).toBe(expected.ms(value))
  expect(Format.score(value)).toBe(expected.score(value))
}

describe("Format", () => {
  it("writes the documented examples", () => {
    expect(Format.count(131072)).toBe("131,072")
    expect(Format.usd(0.55)).toBe("$0.55")
    expect(Format.usd(12.4)).toBe("$12.40")
    expect(Format.usd(0.003123)).toBe("$0.00312")
    expect(Format.ms(41.2)).toBe("41 ms")
    expect(Format.ms(0.349)).toBe("0.35 ms")
    expect(Format.score(2.5)).toBe("2.5")
    expect(Format.percent(0.123)).toBe("12%")
    expect(Format.list([])).toBe("none")
  })

  it("matches Intl.NumberFormat on edge cases: zero, carries, decimal ties, tiny and huge values", () => {
    for (const value of [
      0, 1, 9.995, 0.0995, 0.09995, 999.5, 999_999.5, 1.005, 2.675, 0.125, 0.375, 1e-9, 1.23e-7, 0.0000636,
      0.000159, 9.99, 99.95, 0.1, 0.099999, 123_456_789.987, 1e15, 4.35, 0.045, 10, 9.96
    ]) {
      check(value)
    }
  })

  it("matches Intl.NumberFormat on random doubles and on random decimal fractions", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }), (value) =>
        check(value)
      ),
      { numRuns: 2000 }
    )
    // n / 10^k hits exact decimal ties (…5) where binary rounding and decimal rounding differ.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 9 }), (n, k) =>
        check(n / 10 ** k)
      ),
      { numRuns: 3000 }
    )
  })
})
