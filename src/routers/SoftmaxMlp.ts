/**
 * A small multi-layer perceptron for three classes: one `tanh` hidden layer, a softmax output,
 * cross-entropy with an L2 penalty on the two weight matrices, trained by mini-batch Adam from a
 * seeded start. The `knn_logistic` router (`KnnLogisticTraining`) uses it as a level-2 candidate
 * over "only the strong model right / only the weak one right / neither or both", a port of the
 * MLP of the numpy reference (`scripts/experiments/mmlu-stacking/final.py`).
 *
 * @since 0.1.0
 */
import * as SeededRandom from "./SeededRandom.ts"

/** Number of output classes. */
const CLASSES = 3

/**
 * The parameters: `w1` is inputs × hidden, `w2` hidden × 3, both row-major.
 *
 * @since 0.1.0
 */
export interface MlpParameters {
  readonly inputs: number
  readonly hidden: number
  readonly w1: Float64Array
  readonly b1: Float64Array
  readonly w2: Float64Array
  readonly b2: Float64Array
}

/**
 * Number of parameters of a network with these sizes.
 *
 * @since 0.1.0
 */
export const parameterCount = (inputs: number, hidden: number): number =>
  inputs * hidden + hidden + hidden * CLASSES + CLASSES

/**
 * The parameters as one flat array (`w1`, `b1`, `w2`, `b2`), for saving.
 *
 * @since 0.1.0
 */
export const flatten = (parameters: MlpParameters): Float64Array => {
  const out = new Float64Array(parameterCount(parameters.inputs, parameters.hidden))
  let offset = 0
  for (const part of [parameters.w1, parameters.b1, parameters.w2, parameters.b2]) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * The inverse of {@link flatten}. Throws when `flat` has the wrong length.
 *
 * @since 0.1.0
 */
export const unflatten = (flat: ArrayLike<number>, inputs: number, hidden: number): MlpParameters => {
  const expected = parameterCount(inputs, hidden)
  if (flat.length !== expected)
    throw new Error(
      `an MLP with ${inputs} inputs and ${hidden} hidden units has ${expected} parameters, not ${flat.length}`
    )
  const values = Float64Array.from(flat)
  const w1End = inputs * hidden
  const b1End = w1End + hidden
  const w2End = b1End + hidden * CLASSES
  return {
    inputs,
    hidden,
    w1: values.slice(0, w1End),
    b1: values.slice(w1End, b1End),
    w2: values.slice(b1End, w2End),
    b2: values.slice(w2End)
  }
}

const copy = (parameters: MlpParameters): MlpParameters => ({
  inputs: parameters.inputs,
  hidden: parameters.hidden,
  w1: Float64Array.from(parameters.w1),
  b1: Float64Array.from(parameters.b1),
  w2: Float64Array.from(parameters.w2),
  b2: Float64Array.from(parameters.b2)
})

/**
 * Hidden activations (into `hiddenOut`) and class probabilities (into `probabilities`) of one row.
 */
const forward = (
  parameters: MlpParameters,
  row: ArrayLike<number>,
  rowOffset: number,
  hiddenOut: Float64Array,
  probabilities: Float64Array
) => {
  const { inputs, hidden, w1, b1, w2, b2 } = parameters
  for (let j = 0; j < hidden; j++) hiddenOut[j] = b1[j]!
  for (let i = 0; i < inputs; i++) {
    const x = row[rowOffset + i]!
    if (x === 0) continue
    const base = i * hidden
    for (let j = 0; j < hidden; j++) hiddenOut[j]! += x * w1[base + j]!
  }
  for (let j = 0; j < hidden; j++) hiddenOut[j] = Math.tanh(hiddenOut[j]!)
  let largest = Number.NEGATIVE_INFINITY
  for (let c = 0; c < CLASSES; c++) {
    let z = b2[c]!
    for (let j = 0; j < hidden; j++) z += hiddenOut[j]! * w2[j * CLASSES + c]!
    probabilities[c] = z
    largest = Math.max(largest, z)
  }
  let total = 0
  for (let c = 0; c < CLASSES; c++) {
    probabilities[c] = Math.exp(probabilities[c]! - largest)
    total += probabilities[c]!
  }
  for (let c = 0; c < CLASSES; c++) probabilities[c]! /= total
}

/**
 * Class probabilities of one input row.
 *
 * @since 0.1.0
 */
export const probabilities = (parameters: MlpParameters, row: ArrayLike<number>): Float64Array => {
  const out = new Float64Array(CLASSES)
  forward(parameters, row, 0, new Float64Array(parameters.hidden), out)
  return out
}

/**
 * `P(class 1) − P(class 2)`, averaged over several networks (a bagged prediction).
 *
 * @since 0.1.0
 */
export const margin = (networks: ReadonlyArray<MlpParameters>, row: ArrayLike<number>): number => {
  let sum = 0
  for (const network of networks) {
    const p = probabilities(network, row)
    sum += p[1]! - p[2]!
  }
  return sum / networks.length
}

/**
 * Mean cross-entropy of `rows` (row-major, `count` × `inputs`) plus `l2 / 2 · (|w1|² + |w2|²)`,
 * and its gradient in the layout of {@link flatten}. Used by training and by the gradient check.
 *
 * @since 0.1.0
 */
export const lossAndGradient = (
  parameters: MlpParameters,
  rows: ArrayLike<number>,
  classes: ArrayLike<number>,
  indices: ArrayLike<number>,
  l2: number
): { readonly loss: number; readonly gradient: MlpParameters } => {
  const { inputs, hidden, w1, w2 } = parameters
  const gradient: MlpParameters = {
    inputs,
    hidden,
    w1: new Float64Array(w1.length),
    b1: new Float64Array(hidden),
    w2: new Float64Array(w2.length),
    b2: new Float64Array(CLASSES)
  }
  const loss = accumulate(parameters, rows, classes, indices, gradient)
  let penalty = 0
  for (let i = 0; i < w1.length; i++) {
    penalty += w1[i]! * w1[i]!
    gradient.w1[i]! += l2 * w1[i]!
  }
  for (let i = 0; i < w2.length; i++) {
    penalty += w2[i]! * w2[i]!
    gradient.w2[i]! += l2 * w2[i]!
  }
  return { loss: loss + 0.5 * l2 * penalty, gradient }
}

/** Adds the mean cross-entropy gradient of the rows `indices` into `gradient`; returns the mean loss. */
const accumulate = (
  parameters: MlpParameters,
  rows: ArrayLike<number>,
  classes: ArrayLike<number>,
  indices: ArrayLike<number>,
  gradient: MlpParameters
) => {
  const { inputs, hidden, w2 } = parameters
  const count = indices.length
  const activations = new Float64Array(hidden)
  const p = new Float64Array(CLASSES)
  const hiddenDelta = new Float64Array(hidden)
  let loss = 0
  for (let position = 0; position < count; position++) {
    const row = indices[position]!
    const offset = row * inputs
    forward(parameters, rows, offset, activations, p)
    const label = classes[row]!
    loss -= Math.log(Math.max(p[label]!, 1e-300))
    // Output delta (p − onehot) / count.
    for (let c = 0; c < CLASSES; c++) p[c] = (p[c]! - (c === label ? 1 : 0)) / count
    for (let c = 0; c < CLASSES; c++) gradient.b2[c]! += p[c]!
    for (let j = 0; j < hidden; j++) {
      const h = activations[j]!
      let back = 0
      for (let c = 0; c < CLASSES; c++) {
        gradient.w2[j * CLASSES + c]! += h * p[c]!
        back += w2[j * CLASSES + c]! * p[c]!
      }
      hiddenDelta[j] = back * (1 - h * h)
      gradient.b1[j]! += hiddenDelta[j]!
    }
    for (let i = 0; i < inputs; i++) {
      const x = rows[offset + i]!
      if (x === 0) continue
      const base = i * hidden
      for (let j = 0; j < hidden; j++) gradient.w1[base + j]! += x * hiddenDelta[j]!
    }
  }
  return loss / Math.max(count, 1)
}

/**
 * Options of {@link train}.
 *
 * @since 0.1.0
 */
export interface TrainOptions {
  readonly hidden: number
  /** Penalty on the weight matrices (not the biases). */
  readonly l2: number
  readonly seed: number
  /** Epochs after which a copy of the parameters is kept; training runs to the largest. */
  readonly snapshots: ReadonlyArray<number>
  readonly learningRate?: number
  readonly batchSize?: number
}

/**
 * Trains on `count` rows of `inputs` values (row-major) with labels 0, 1 or 2: weights drawn from
 * N(0, 1/fan-in) with the seed, zero biases, each epoch one seeded shuffle and mini-batches of
 * Adam (β 0.9 / 0.999, learning rate 3e-3, batches of 256 by default). Returns the parameters
 * after each epoch in `snapshots`. Deterministic for a seed.
 *
 * @since 0.1.0
 */
export const train = (
  rows: ArrayLike<number>,
  count: number,
  inputs: number,
  classes: ArrayLike<number>,
  options: TrainOptions
): Map<number, MlpParameters> => {
  const { hidden, l2, seed } = options
  const learningRate = options.learningRate ?? 3e-3
  const batchSize = options.batchSize ?? 256
  const random = SeededRandom.make(seed)
  const parameters: MlpParameters = {
    inputs,
    hidden,
    w1: Float64Array.from({ length: inputs * hidden }, () => random.nextGaussian() / Math.sqrt(inputs)),
    b1: new Float64Array(hidden),
    w2: Float64Array.from({ length: hidden * CLASSES }, () => random.nextGaussian() / Math.sqrt(hidden)),
    b2: new Float64Array(CLASSES)
  }
  const parts = (value: MlpParameters) => [value.w1, value.b1, value.w2, value.b2] as const
  const firstMoment = parts(parameters).map((part) => new Float64Array(part.length))
  const secondMoment = firstMoment.map((part) => new Float64Array(part.length))
  const gradient: MlpParameters = {
    inputs,
    hidden,
    w1: new Float64Array(inputs * hidden),
    b1: new Float64Array(hidden),
    w2: new Float64Array(hidden * CLASSES),
    b2: new Float64Array(CLASSES)
  }
  const penalised = [true, false, true, false]
  const wanted = new Set(options.snapshots)
  const lastEpoch = Math.max(0, ...options.snapshots)
  const order = Array.from({ length: count }, (_, index) => index)
  const kept = new Map<number, MlpParameters>()
  let step = 0
  for (let epoch = 1; epoch <= lastEpoch; epoch++) {
    random.shuffle(order)
    for (let start = 0; start < count; start += batchSize) {
      const batch = order.slice(start, start + batchSize)
      for (const part of parts(gradient)) part.fill(0)
      accumulate(parameters, rows, classes, batch, gradient)
      step++
      const firstCorrection = 1 - 0.9 ** step
      const secondCorrection = 1 - 0.999 ** step
      parts(parameters).forEach((values, index) => {
        const grad = parts(gradient)[index]!
        const m = firstMoment[index]!
        const v = secondMoment[index]!
        const penalty = penalised[index] ? l2 : 0
        for (let i = 0; i < values.length; i++) {
          const g = grad[i]! + penalty * values[i]!
          m[i] = 0.9 * m[i]! + 0.1 * g
          v[i] = 0.999 * v[i]! + 0.001 * g * g
          values[i]! -=
            (learningRate * (m[i]! / firstCorrection)) / (Math.sqrt(v[i]! / secondCorrection) + 1e-8)
        }
      })
    }
    if (wanted.has(epoch)) kept.set(epoch, copy(parameters))
  }
  return kept
}
