/**
 * The few dense linear-algebra routines the routers need (row-major `Float64Array` matrices):
 * products, a ridge solve through Cholesky, and a symmetric eigen-decomposition (Jacobi) for small
 * matrices. Enough for training on thousands of prompts with a few hundred features.
 *
 * @since 0.1.0
 */
import * as SimdDotProducts from "./SimdDotProducts.ts"

/**
 * A dense row-major matrix.
 *
 * @since 0.1.0
 */
export interface Matrix {
  readonly rows: number
  readonly columns: number
  readonly data: Float64Array
}

/**
 * Builds a matrix from rows of equal length.
 *
 * @since 0.1.0
 */
export const fromRows = (rows: ReadonlyArray<ArrayLike<number>>, columns?: number): Matrix => {
  const width = columns ?? rows[0]?.length ?? 0
  const data = new Float64Array(rows.length * width)
  rows.forEach((row, index) => {
    for (let column = 0; column < width; column++) data[index * width + column] = row[column] ?? 0
  })
  return { rows: rows.length, columns: width, data }
}

/**
 * `Aᵀ A + λ I` (the last `unpenalised` columns get no λ), as a matrix of size columns × columns.
 *
 * @since 0.1.0
 */
export const gram = (a: Matrix, lambda: number, unpenalised = 0): Matrix => {
  const n = a.columns
  const count = a.rows
  // Every entry is the dot product of two columns over the rows, summed in row order as a direct
  // loop over the rows would: with the columns stored contiguously, the blocked kernel computes
  // the upper triangle four columns at a time.
  const columns = new Float64Array(n * count)
  for (let row = 0; row < count; row++) {
    for (let i = 0; i < n; i++) columns[i * count + row] = a.data[row * n + i]!
  }
  const out = new Float64Array(n * n)
  const block = new Float64Array(4 * n)
  for (let first = 0; first < n; first += 4) {
    const width = Math.min(4, n - first)
    const rest = n - first
    dotProducts(
      columns.subarray(first * count, (first + width) * count),
      width,
      columns.subarray(first * count),
      rest,
      count,
      block
    )
    for (let q = 0; q < width; q++) {
      for (let j = first + q; j < n; j++) out[(first + q) * n + j] = block[q * rest + j - first]!
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) out[i * n + j] = out[j * n + i]!
    if (i < n - unpenalised) out[i * n + i]! += lambda
  }
  return { rows: n, columns: n, data: out }
}

/**
 * `Aᵀ B` for matrices with the same number of rows.
 *
 * @since 0.1.0
 */
export const transposeTimes = (a: Matrix, b: Matrix): Matrix => {
  const out = new Float64Array(a.columns * b.columns)
  for (let row = 0; row < a.rows; row++) {
    for (let i = 0; i < a.columns; i++) {
      const value = a.data[row * a.columns + i]!
      if (value === 0) continue
      for (let j = 0; j < b.columns; j++) out[i * b.columns + j]! += value * b.data[row * b.columns + j]!
    }
  }
  return { rows: a.columns, columns: b.columns, data: out }
}

/**
 * `A B`.
 *
 * @since 0.1.0
 */
export const multiply = (a: Matrix, b: Matrix): Matrix => {
  const out = new Float64Array(a.rows * b.columns)
  for (let row = 0; row < a.rows; row++) {
    for (let k = 0; k < a.columns; k++) {
      const value = a.data[row * a.columns + k]!
      if (value === 0) continue
      for (let j = 0; j < b.columns; j++) out[row * b.columns + j]! += value * b.data[k * b.columns + j]!
    }
  }
  return { rows: a.rows, columns: b.columns, data: out }
}

/**
 * Solves `S X = B` for a symmetric positive-definite `S` by Cholesky decomposition. Throws if `S`
 * is not positive definite (add a ridge penalty).
 *
 * @since 0.1.0
 */
export const solveSpd = (s: Matrix, b: Matrix): Matrix => {
  const n = s.rows
  const l = new Float64Array(n * n)
  const entry = (i: number, j: number) => {
    let sum = s.data[i * n + j]!
    for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!
    if (i === j) {
      if (sum <= 0) throw new Error(`matrix is not positive definite at pivot ${i}`)
      l[i * n + i] = Math.sqrt(sum)
    } else {
      l[i * n + j] = sum / l[j * n + j]!
    }
  }
  // Four rows at a time: below the diagonal block, the four sums of a column share the loads of
  // row j (each sum still subtracts its terms in increasing k, as `entry` does).
  let first = 0
  for (; first + 4 <= n; first += 4) {
    const r0 = first * n
    const r1 = r0 + n
    const r2 = r1 + n
    const r3 = r2 + n
    let j = 0
    // Two columns at a time: column j + 1 takes the same terms k < j, then its k = j term.
    for (; j + 2 <= first; j += 2) {
      const rj = j * n
      const rk = rj + n
      let s0 = s.data[r0 + j]!
      let s1 = s.data[r1 + j]!
      let s2 = s.data[r2 + j]!
      let s3 = s.data[r3 + j]!
      let t0 = s.data[r0 + j + 1]!
      let t1 = s.data[r1 + j + 1]!
      let t2 = s.data[r2 + j + 1]!
      let t3 = s.data[r3 + j + 1]!
      for (let k = 0; k < j; k++) {
        const x = l[rj + k]!
        const y = l[rk + k]!
        const a0 = l[r0 + k]!
        const a1 = l[r1 + k]!
        const a2 = l[r2 + k]!
        const a3 = l[r3 + k]!
        s0 -= a0 * x
        s1 -= a1 * x
        s2 -= a2 * x
        s3 -= a3 * x
        t0 -= a0 * y
        t1 -= a1 * y
        t2 -= a2 * y
        t3 -= a3 * y
      }
      const pivot = l[rj + j]!
      const l0 = (l[r0 + j] = s0 / pivot)
      const l1 = (l[r1 + j] = s1 / pivot)
      const l2 = (l[r2 + j] = s2 / pivot)
      const l3 = (l[r3 + j] = s3 / pivot)
      const y = l[rk + j]!
      const next = l[rk + j + 1]!
      l[r0 + j + 1] = (t0 - l0 * y) / next
      l[r1 + j + 1] = (t1 - l1 * y) / next
      l[r2 + j + 1] = (t2 - l2 * y) / next
      l[r3 + j + 1] = (t3 - l3 * y) / next
    }
    for (; j < first; j++) {
      const rj = j * n
      let s0 = s.data[r0 + j]!
      let s1 = s.data[r1 + j]!
      let s2 = s.data[r2 + j]!
      let s3 = s.data[r3 + j]!
      for (let k = 0; k < j; k++) {
        const x = l[rj + k]!
        s0 -= l[r0 + k]! * x
        s1 -= l[r1 + k]! * x
        s2 -= l[r2 + k]! * x
        s3 -= l[r3 + k]! * x
      }
      const pivot = l[rj + j]!
      l[r0 + j] = s0 / pivot
      l[r1 + j] = s1 / pivot
      l[r2 + j] = s2 / pivot
      l[r3 + j] = s3 / pivot
    }
    for (let i = first; i < first + 4; i++) for (let j = first; j <= i; j++) entry(i, j)
  }
  for (let i = first; i < n; i++) for (let j = 0; j <= i; j++) entry(i, j)
  const m = b.columns
  const x = new Float64Array(n * m)
  for (let column = 0; column < m; column++) {
    const y = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let sum = b.data[i * m + column]!
      for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!
      y[i] = sum / l[i * n + i]!
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = y[i]!
      for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k * m + column]!
      x[i * m + column] = sum / l[i * n + i]!
    }
  }
  return { rows: n, columns: m, data: x }
}

/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations. Returns eigenvalues in
 * decreasing order and the matching unit eigenvectors as the columns of `vectors`.
 *
 * @since 0.1.0
 */
export const symmetricEigen = (s: Matrix): { readonly values: Array<number>; readonly vectors: Matrix } => {
  const n = s.rows
  const a = Float64Array.from(s.data)
  const v = new Float64Array(n * n)
  for (let i = 0; i < n; i++) v[i * n + i] = 1
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2
    if (off < 1e-22) break
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!
        if (Math.abs(apq) < 1e-300) continue
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const sn = t * c
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!
          const akq = a[k * n + q]!
          a[k * n + p] = c * akp - sn * akq
          a[k * n + q] = sn * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!
          const aqk = a[q * n + k]!
          a[p * n + k] = c * apk - sn * aqk
          a[q * n + k] = sn * apk + c * aqk
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!
          const vkq = v[k * n + q]!
          v[k * n + p] = c * vkp - sn * vkq
          v[k * n + q] = sn * vkp + c * vkq
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, index) => index).sort((i, j) => a[j * n + j]! - a[i * n + i]!)
  const vectors = new Float64Array(n * n)
  order.forEach((source, target) => {
    for (let k = 0; k < n; k++) vectors[k * n + target] = v[k * n + source]!
  })
  return {
    values: order.map((index) => a[index * n + index]!),
    vectors: { rows: n, columns: n, data: vectors }
  }
}

/**
 * Dot product of two vectors of the same length.
 *
 * @since 0.1.0
 */
export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let sum = 0
  for (let index = 0; index < a.length; index++) sum += a[index]! * b[index]!
  return sum
}

/**
 * Copies vectors into one row-major `Float64Array` (count × dimension). Float32 values convert
 * exactly, so products computed from the copy are the ones computed from the originals.
 *
 * @since 0.1.0
 */
export const packRows = (vectors: ReadonlyArray<ArrayLike<number>>, dimension: number): Float64Array => {
  const packed = new Float64Array(vectors.length * dimension)
  vectors.forEach((vector, row) => {
    for (let i = 0; i < dimension; i++) packed[row * dimension + i] = vector[i] ?? 0
  })
  return packed
}

// Rows of `rows` per tile: a tile (128 × 512 doubles = 512 KiB) stays in cache while every query of
// the block passes over it.
const ROW_TILE = 128

/**
 * All dot products of `queryCount` queries with `rowCount` rows (both row-major, `dimension`
 * columns): `out[q * rowCount + r] = Σ_i queries[q, i] · rows[r, i]`, written into `out`.
 *
 * Each sum is accumulated in double precision in increasing `i`, exactly as the one-pair loop
 * `for (i) sum += row[i] * query[i]` does, so the results are bit-identical to it; the speed comes
 * from computing 4 queries × 4 rows per pass (16 sums share 8 loads) over cache-sized tiles of rows.
 *
 * @since 0.1.0
 */
export const dotProducts = (
  queries: Float64Array,
  queryCount: number,
  rows: Float64Array,
  rowCount: number,
  dimension: number,
  out: Float64Array
): void => {
  const d = dimension
  for (let tileStart = 0; tileStart < rowCount; tileStart += ROW_TILE) {
    const tileEnd = Math.min(rowCount, tileStart + ROW_TILE)
    const blockEnd = tileStart + ((tileEnd - tileStart) & ~3)
    let q = 0
    for (; q + 4 <= queryCount; q += 4) {
      const p0 = q * d
      const p1 = p0 + d
      const p2 = p1 + d
      const p3 = p2 + d
      let r = tileStart
      for (; r < blockEnd; r += 4) {
        const o0 = r * d
        const o1 = o0 + d
        const o2 = o1 + d
        const o3 = o2 + d
        let s00 = 0
        let s01 = 0
        let s02 = 0
        let s03 = 0
        let s10 = 0
        let s11 = 0
        let s12 = 0
        let s13 = 0
        let s20 = 0
        let s21 = 0
        let s22 = 0
        let s23 = 0
        let s30 = 0
        let s31 = 0
        let s32 = 0
        let s33 = 0
        for (let i = 0; i < d; i++) {
          const x0 = rows[o0 + i]!
          const x1 = rows[o1 + i]!
          const x2 = rows[o2 + i]!
          const x3 = rows[o3 + i]!
          let y = queries[p0 + i]!
          s00 += x0 * y
          s01 += x1 * y
          s02 += x2 * y
          s03 += x3 * y
          y = queries[p1 + i]!
          s10 += x0 * y
          s11 += x1 * y
          s12 += x2 * y
          s13 += x3 * y
          y = queries[p2 + i]!
          s20 += x0 * y
          s21 += x1 * y
          s22 += x2 * y
          s23 += x3 * y
          y = queries[p3 + i]!
          s30 += x0 * y
          s31 += x1 * y
          s32 += x2 * y
          s33 += x3 * y
        }
        const b0 = q * rowCount + r
        const b1 = b0 + rowCount
        const b2 = b1 + rowCount
        const b3 = b2 + rowCount
        out[b0] = s00
        out[b0 + 1] = s01
        out[b0 + 2] = s02
        out[b0 + 3] = s03
        out[b1] = s10
        out[b1 + 1] = s11
        out[b1 + 2] = s12
        out[b1 + 3] = s13
        out[b2] = s20
        out[b2 + 1] = s21
        out[b2 + 2] = s22
        out[b2 + 3] = s23
        out[b3] = s30
        out[b3 + 1] = s31
        out[b3 + 2] = s32
        out[b3 + 3] = s33
      }
      for (; r < tileEnd; r++) {
        for (let j = 0; j < 4; j++) out[(q + j) * rowCount + r] = dotAt(queries, q + j, rows, r, d)
      }
    }
    for (; q < queryCount; q++) {
      for (let r = tileStart; r < tileEnd; r++) out[q * rowCount + r] = dotAt(queries, q, rows, r, d)
    }
  }
}

/**
 * Dot products of one query with every row (`rows`: row-major, `rowCount` × `dimension`, any numeric
 * array, e.g. a router's stored float32 examples), for per-request similarity search. Four rows per
 * pass share the loads of the query; each sum still runs in increasing `i`, so the numbers are those
 * of the one-pair loop (and of {@link dotProducts}).
 *
 * @since 0.1.0
 */
export const dotProductsOfQuery = (
  query: ArrayLike<number>,
  rows: ArrayLike<number>,
  rowCount: number,
  dimension: number
): Float64Array => {
  const d = dimension
  const out = new Float64Array(rowCount)
  let row = 0
  for (; row + 4 <= rowCount; row += 4) {
    const o0 = row * d
    const o1 = o0 + d
    const o2 = o1 + d
    const o3 = o2 + d
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    for (let i = 0; i < d; i++) {
      const x = query[i]!
      s0 += rows[o0 + i]! * x
      s1 += rows[o1 + i]! * x
      s2 += rows[o2 + i]! * x
      s3 += rows[o3 + i]! * x
    }
    out[row] = s0
    out[row + 1] = s1
    out[row + 2] = s2
    out[row + 3] = s3
  }
  for (; row < rowCount; row++) {
    let sum = 0
    const offset = row * d
    for (let i = 0; i < d; i++) sum += rows[offset + i]! * query[i]!
    out[row] = sum
  }
  return out
}

const dotAt = (queries: Float64Array, query: number, rows: Float64Array, row: number, d: number) => {
  const p = query * d
  const o = row * d
  let sum = 0
  for (let i = 0; i < d; i++) sum += rows[o + i]! * queries[p + i]!
  return sum
}

/**
 * Calls `visit(query, similarities)` for every query, in order, with its dot products against every
 * row (a view valid only during the call), a block of queries at a time so that memory stays
 * bounded (`block` × `rowCount` doubles): on WebAssembly SIMD (`SimdDotProducts`) where the runtime
 * has it, else with {@link dotProducts}. Both give the one-pair loop's numbers exactly.
 *
 * @since 0.1.0
 */
export const forEachDotProductRow = (
  queries: ReadonlyArray<ArrayLike<number>>,
  rows: Float64Array,
  rowCount: number,
  dimension: number,
  visit: (query: number, similarities: Float64Array) => void,
  block = 64
): void => {
  if (SimdDotProducts.forEachDotProductRow(queries, rows, rowCount, dimension, visit, block)) return
  const out = new Float64Array(Math.min(block, queries.length) * rowCount)
  for (let start = 0; start < queries.length; start += block) {
    const chunk = queries.slice(start, start + block)
    dotProducts(packRows(chunk, dimension), chunk.length, rows, rowCount, dimension, out)
    for (let q = 0; q < chunk.length; q++) visit(start + q, out.subarray(q * rowCount, (q + 1) * rowCount))
  }
}
