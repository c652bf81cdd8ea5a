import { describe, expect, it } from "@effect/vitest"
import * as LinearAlgebra from "../../src/routers/LinearAlgebra.ts"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"
import * as SimdDotProducts from "../../src/routers/SimdDotProducts.ts"

// Float32 values, as embeddings are, with some exact zeros and repeated rows.
const vectors = (seed: number, count: number, d: number): Array<Float32Array> => {
  const random = SeededRandom.make(seed)
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: d }, () => (random.next() < 0.2 ? 0 : random.next() * 2 - 1))
  )
}

// The loop whose numbers the kernel promises, bit for bit.
const naive = (query: ArrayLike<number>, rows: Float64Array, row: number, d: number) => {
  let sum = 0
  for (let i = 0; i < d; i++) sum += rows[row * d + i]! * query[i]!
  return sum
}

const collect = (
  queries: ReadonlyArray<ArrayLike<number>>,
  rows: Float64Array,
  rowCount: number,
  d: number,
  block?: number
) => {
  const seen: Array<[number, Array<number>]> = []
  const done = SimdDotProducts.forEachDotProductRow(
    queries,
    rows,
    rowCount,
    d,
    (query, products) => seen.push([query, Array.from(products)]),
    block
  )
  return { done, seen }
}

describe("SimdDotProducts", () => {
  it("is available on this Node", () => {
    expect(SimdDotProducts.available()).toBe(true)
  })

  it("gives exactly the one-pair loop's sums, for every shape (padding, tiles, blocks)", () => {
    for (const [queryCount, rowCount, d, block, seed] of [
      [1, 1, 1, 64, 1],
      [3, 5, 7, 64, 2],
      [4, 4, 16, 4, 3],
      [13, 130, 33, 8, 4],
      [9, 261, 64, 64, 5],
      [6, 70, 600, 5, 6],
      [5, 3, 20_000, 64, 7]
    ] as const) {
      const queries = vectors(seed, queryCount, d)
      const rows = LinearAlgebra.packRows(vectors(seed + 100, rowCount, d), d)
      const { done, seen } = collect(queries, rows, rowCount, d, block)
      expect(done).toBe(true)
      expect(seen.map(([query]) => query)).toEqual(Array.from({ length: queryCount }, (_, index) => index))
      seen.forEach(([query, products]) => {
        expect(products).toEqual(
          Array.from({ length: rowCount }, (_, row) => naive(queries[query]!, rows, row, d))
        )
      })
    }
  })

  it("declines an empty dimension and a nested call; LinearAlgebra then computes the products itself", () => {
    expect(collect(vectors(1, 2, 1), new Float64Array(0), 0, 0).done).toBe(false)
    const d = 10
    const queries = vectors(8, 6, d)
    const rows = LinearAlgebra.packRows(vectors(9, 11, d), d)
    const inner: Array<Array<number>> = []
    const outer = SimdDotProducts.forEachDotProductRow(queries, rows, 11, d, (query) => {
      if (query !== 0) return
      // inside the kernel's own callback: the kernel declines, the JavaScript loop answers
      expect(SimdDotProducts.forEachDotProductRow(queries, rows, 11, d, () => undefined)).toBe(false)
      LinearAlgebra.forEachDotProductRow(queries, rows, 11, d, (_, products) =>
        inner.push(Array.from(products))
      )
    })
    expect(outer).toBe(true)
    expect(inner).toEqual(
      queries.map((query) => Array.from({ length: 11 }, (_, row) => naive(query, rows, row, d)))
    )
  })
})
