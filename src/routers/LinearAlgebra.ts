/**
 * The few dense linear-algebra routines the routers need (row-major `Float64Array` matrices):
 * products, a ridge solve through Cholesky, and a symmetric eigen-decomposition (Jacobi) for small
 * matrices. Enough for training on thousands of prompts with a few hundred features.
 *
 * @since 0.1.0
 */

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
  const out = new Float64Array(n * n)
  for (let row = 0; row < a.rows; row++) {
    const offset = row * n
    for (let i = 0; i < n; i++) {
      const value = a.data[offset + i]!
      if (value === 0) continue
      const target = i * n
      for (let j = i; j < n; j++) out[target + j]! += value * a.data[offset + j]!
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
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = s.data[i * n + j]!
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!
      if (i === j) {
        if (sum <= 0) throw new Error(`matrix is not positive definite at pivot ${i}`)
        l[i * n + i] = Math.sqrt(sum)
      } else {
        l[i * n + j] = sum / l[j * n + j]!
      }
    }
  }
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
