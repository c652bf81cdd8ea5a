import { describe, expect, it } from "@effect/vitest"
import * as LinearAlgebra from "../../src/routers/LinearAlgebra.ts"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"

// The blocked routines promise the exact numbers of the direct loops below (same operations in the
// same order), so they are compared with `toEqual`, not with a tolerance.

const randomMatrix = (seed: number, rows: number, columns: number, zeros = 0): Float64Array => {
  const random = SeededRandom.make(seed)
  // Float32 values, as embeddings are.
  return Float64Array.from({ length: rows * columns }, () =>
    random.next() < zeros ? 0 : Math.fround(random.next() * 2 - 1)
  )
}

const naiveDotProducts = (
  queries: Float64Array,
  queryCount: number,
  rows: Float64Array,
  rowCount: number,
  d: number
): Float64Array => {
  const out = new Float64Array(queryCount * rowCount)
  for (let q = 0; q < queryCount; q++) {
    for (let r = 0; r < rowCount; r++) {
      let sum = 0
      for (let i = 0; i < d; i++) sum += rows[r * d + i]! * queries[q * d + i]!
      out[q * rowCount + r] = sum
    }
  }
  return out
}

// The row-by-row Gram matrix (skipping zeros) and the textbook Cholesky solve the blocked versions replaced.
const naiveGram = (a: LinearAlgebra.Matrix, lambda: number, unpenalised: number): Float64Array => {
  const n = a.columns
  const out = new Float64Array(n * n)
  for (let row = 0; row < a.rows; row++) {
    for (let i = 0; i < n; i++) {
      const value = a.data[row * n + i]!
      if (value === 0) continue
      for (let j = i; j < n; j++) out[i * n + j]! += value * a.data[row * n + j]!
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) out[i * n + j] = out[j * n + i]!
    if (i < n - unpenalised) out[i * n + i]! += lambda
  }
  return out
}

const naiveCholesky = (s: LinearAlgebra.Matrix): Float64Array => {
  const n = s.rows
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = s.data[i * n + j]!
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!
      l[i * n + j] = i === j ? Math.sqrt(sum) : sum / l[j * n + j]!
    }
  }
  return l
}

describe("LinearAlgebra blocked kernels", () => {
  it("dotProducts equals the one-pair loop, including remainders of the 4 × 4 blocks and row tiles", () => {
    for (const [queryCount, rowCount, d, seed] of [
      [1, 1, 1, 1],
      [3, 5, 7, 2],
      [4, 4, 16, 3],
      [9, 130, 33, 4],
      [13, 261, 64, 5],
      [0, 10, 8, 6]
    ] as const) {
      const queries = randomMatrix(seed, queryCount, d)
      const rows = randomMatrix(seed + 100, rowCount, d)
      const out = new Float64Array(queryCount * rowCount).fill(Number.NaN)
      LinearAlgebra.dotProducts(queries, queryCount, rows, rowCount, d, out)
      expect(Array.from(out)).toEqual(Array.from(naiveDotProducts(queries, queryCount, rows, rowCount, d)))
    }
  })

  it("forEachDotProductRow visits every query in order with its dot products, across blocks", () => {
    const d = 12
    const queries = Array.from({ length: 23 }, (_, q) => Float32Array.from(randomMatrix(50 + q, 1, d)))
    const rows = randomMatrix(7, 41, d)
    const expected = naiveDotProducts(LinearAlgebra.packRows(queries, d), queries.length, rows, 41, d)
    const seen: Array<number> = []
    LinearAlgebra.forEachDotProductRow(
      queries,
      rows,
      41,
      d,
      (query, similarities) => {
        seen.push(query)
        expect(Array.from(similarities)).toEqual(Array.from(expected.subarray(query * 41, (query + 1) * 41)))
      },
      5
    )
    expect(seen).toEqual(Array.from({ length: 23 }, (_, index) => index))
  })

  it("gram equals the row-by-row sum, dense or sparse, with a penalty on all but the last column", () => {
    for (const [rows, columns, zeros, seed] of [
      [1, 1, 0, 1],
      [17, 6, 0, 2],
      [40, 13, 0.5, 3],
      [75, 22, 0.9, 4]
    ] as const) {
      const a = { rows, columns, data: randomMatrix(seed, rows, columns, zeros) }
      const gram = LinearAlgebra.gram(a, 0.25, 1)
      expect(gram.rows).toBe(columns)
      expect(Array.from(gram.data)).toEqual(Array.from(naiveGram(a, 0.25, 1)))
    }
  })

  it("solveSpd equals the textbook Cholesky solve and solves the system", () => {
    for (const [n, seed] of [
      [1, 1],
      [3, 2],
      [4, 3],
      [9, 4],
      [18, 5]
    ] as const) {
      const a = { rows: n + 5, columns: n, data: randomMatrix(seed, n + 5, n) }
      const s = LinearAlgebra.gram(a, 0.1)
      const b = { rows: n, columns: 2, data: randomMatrix(seed + 10, n, 2) }
      const x = LinearAlgebra.solveSpd(s, b)
      // Reference: the same substitutions on the textbook factor.
      const l = naiveCholesky(s)
      const expected = new Float64Array(n * 2)
      for (let column = 0; column < 2; column++) {
        const y = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          let sum = b.data[i * 2 + column]!
          for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!
          y[i] = sum / l[i * n + i]!
        }
        for (let i = n - 1; i >= 0; i--) {
          let sum = y[i]!
          for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * expected[k * 2 + column]!
          expected[i * 2 + column] = sum / l[i * n + i]!
        }
      }
      expect(Array.from(x.data)).toEqual(Array.from(expected))
      const product = LinearAlgebra.multiply(s, x)
      product.data.forEach((value, index) => expect(value).toBeCloseTo(b.data[index]!, 8))
    }
  })

  it("solveSpd rejects a matrix that is not positive definite, blocked rows included", () => {
    const n = 6
    const data = new Float64Array(n * n)
    for (let i = 0; i < n; i++) data[i * n + i] = i === 5 ? -1 : 2
    expect(() =>
      LinearAlgebra.solveSpd(
        { rows: n, columns: n, data },
        { rows: n, columns: 1, data: new Float64Array(n) }
      )
    ).toThrow(/pivot 5/)
  })
})
