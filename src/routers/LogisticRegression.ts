/**
 * L2-penalised logistic regression on a dense row-major design: the solver used by the level 2 of
 * the `knn_logistic` router (`KnnLogisticTraining`), its gradient (for checks) and the prediction.
 *
 * @since 0.1.0
 */
import * as LinearAlgebra from "./LinearAlgebra.ts"
import { sigmoid } from "./RouterSupport.ts"

/**
 * `σ(bias + weights · row)` with the bias last in `weights`.
 *
 * @since 0.1.0
 */
export const logisticProbability = (weights: ArrayLike<number>, row: ArrayLike<number>): number => {
  const width = weights.length - 1
  let z = weights[width]!
  for (let i = 0; i < width; i++) z += weights[i]! * row[i]!
  return sigmoid(z)
}

const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)))

/**
 * Lower Cholesky factor of a symmetric positive-definite matrix (row-major). Not
 * `LinearAlgebra.solveSpd`: that one factors and solves in one call, and the chord steps of
 * {@link fitLogistic} solve with one factor several times.
 */
const cholesky = (s: Float64Array, n: number): Float64Array => {
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = s[i * n + j]!
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!
      if (i === j) {
        if (sum <= 0) throw new Error(`logistic Hessian is not positive definite at pivot ${i}`)
        l[i * n + i] = Math.sqrt(sum)
      } else l[i * n + j] = sum / l[j * n + j]!
    }
  }
  return l
}

const choleskySolve = (l: Float64Array, n: number, b: Float64Array): Float64Array => {
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let sum = b[i]!
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!
    y[i] = sum / l[i * n + i]!
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * y[k]!
    y[i] = sum / l[i * n + i]!
  }
  return y
}

/**
 * `Xᵀ residual` with the bias column last, plus the penalty's `l2 · w` (bias unpenalised); rows
 * with a zero residual add nothing and are skipped.
 */
const penalisedGradient = (
  design: Float64Array,
  rows: number,
  width: number,
  residual: Float64Array,
  l2: number,
  weights: ArrayLike<number>
): Float64Array => {
  const gradient = new Float64Array(width + 1)
  for (let r = 0; r < rows; r++) {
    const e = residual[r]!
    if (e === 0) continue
    const offset = r * width
    for (let i = 0; i < width; i++) gradient[i]! += e * design[offset + i]!
    gradient[width]! += e
  }
  for (let i = 0; i < width; i++) gradient[i]! += l2 * weights[i]!
  return gradient
}

/**
 * L2-penalised logistic regression: minimises `mean log loss + ½ · l2 · ‖w‖²` (bias, stored last,
 * unpenalised) over the rows of `design` (`rows` × `width`, row-major). Newton's method with a
 * Cholesky solve and a backtracking line search; the Hessian is recomputed only when a step gains
 * too little (a chord step with the last factor is much cheaper). Stops when every gradient entry
 * is below `tolerance` (default 1e-8) or the Newton decrement is below the objective's rounding.
 *
 * @since 0.1.0
 */
export const fitLogistic = (
  design: Float64Array,
  rows: number,
  width: number,
  labels: ArrayLike<number>,
  l2: number,
  options: {
    readonly start?: Float64Array
    readonly tolerance?: number
    readonly maxIterations?: number
  } = {}
): Float64Array => {
  const p = width + 1
  const weights = options.start === undefined ? new Float64Array(p) : Float64Array.from(options.start)
  const tolerance = options.tolerance ?? 1e-8
  const z = new Float64Array(rows)
  const margins = (w: Float64Array, out: Float64Array) => {
    for (let r = 0; r < rows; r++) {
      let sum = w[width]!
      const offset = r * width
      for (let i = 0; i < width; i++) sum += w[i]! * design[offset + i]!
      out[r] = sum
    }
  }
  const objective = (w: Float64Array, margin: Float64Array) => {
    let loss = 0
    for (let r = 0; r < rows; r++) loss += softplus(margin[r]!) - labels[r]! * margin[r]!
    let penalty = 0
    for (let i = 0; i < width; i++) penalty += w[i]! * w[i]!
    return loss / rows + 0.5 * l2 * penalty
  }
  let factor: Float64Array | undefined
  let fresh = false
  let previousGradient = Number.POSITIVE_INFINITY
  margins(weights, z)
  let value = objective(weights, z)
  const trial = new Float64Array(p)
  const trialZ = new Float64Array(rows)
  for (let iteration = 0; iteration < (options.maxIterations ?? 100); iteration++) {
    const residual = new Float64Array(rows)
    const curvature = new Float64Array(rows)
    for (let r = 0; r < rows; r++) {
      const probability = 1 / (1 + Math.exp(-z[r]!))
      residual[r] = (probability - labels[r]!) / rows
      curvature[r] = (probability * (1 - probability)) / rows
    }
    const gradient = penalisedGradient(design, rows, width, residual, l2, weights)
    let largest = 0
    for (let i = 0; i < p; i++) largest = Math.max(largest, Math.abs(gradient[i]!))
    if (largest < tolerance) break
    if (factor === undefined || largest > 0.25 * previousGradient) {
      const scaled = new Float64Array(rows * p)
      for (let r = 0; r < rows; r++) {
        const root = Math.sqrt(curvature[r]!)
        const offset = r * width
        for (let i = 0; i < width; i++) scaled[r * p + i] = root * design[offset + i]!
        scaled[r * p + width] = root
      }
      const hessian = LinearAlgebra.gram({ rows, columns: p, data: scaled }, l2, 1)
      hessian.data[p * p - 1]! += 1e-12
      factor = cholesky(hessian.data, p)
      fresh = true
    } else fresh = false
    previousGradient = largest
    const step = choleskySolve(factor, p, gradient)
    let slope = 0
    for (let i = 0; i < p; i++) slope -= gradient[i]! * step[i]!
    // Newton decrement: the objective is within |slope| / 2 of its minimum, below its rounding.
    if (fresh && -slope < 1e-20) break
    let t = 1
    let accepted = false
    for (let halving = 0; halving < 30; halving++) {
      for (let i = 0; i < p; i++) trial[i] = weights[i]! - t * step[i]!
      margins(trial, trialZ)
      const next = objective(trial, trialZ)
      if (next <= value + 1e-4 * t * slope) {
        weights.set(trial)
        z.set(trialZ)
        value = next
        accepted = true
        break
      }
      t /= 2
    }
    if (!accepted) {
      // A chord step (old Hessian) that fails is retried with a fresh Hessian; a Newton step that
      // fails means the objective cannot be lowered in floating point any more.
      if (fresh) break
      factor = undefined
    }
  }
  return weights
}

/**
 * Gradient of the objective of {@link fitLogistic} at `weights` (for checks).
 *
 * @since 0.1.0
 */
export const logisticGradient = (
  design: Float64Array,
  rows: number,
  width: number,
  labels: ArrayLike<number>,
  l2: number,
  weights: ArrayLike<number>
): Float64Array => {
  const residual = Float64Array.from(
    { length: rows },
    (_, r) => (logisticProbability(weights, design.subarray(r * width, (r + 1) * width)) - labels[r]!) / rows
  )
  return penalisedGradient(design, rows, width, residual, l2, weights)
}
