/**
 * Seeded, deterministic training helpers: a grouped validation split, and logistic regression by
 * mini-batch Adam with L2, early stopping on the validation loss and a progress callback.
 *
 * @since 0.1.0
 */
import * as SeededRandom from "./SeededRandom.ts"
import { sigmoid } from "./RouterSupport.ts"

/**
 * Indices of a train/validation split.
 *
 * @since 0.1.0
 */
export interface Split {
  readonly train: ReadonlyArray<number>
  readonly validation: ReadonlyArray<number>
}

/**
 * Splits `count` examples, putting a `fraction` of the groups (default: every example its own group)
 * into validation, with a seeded shuffle. Examples of one group (e.g. identical prompts) stay together.
 *
 * @since 0.1.0
 */
export const validationSplit = (
  count: number,
  options: { readonly fraction: number; readonly seed: number; readonly groups?: ReadonlyArray<string> }
): Split => {
  const groupOf = options.groups ?? Array.from({ length: count }, (_, index) => `${index}`)
  const distinct = [...new Set(groupOf)]
  const shuffled = SeededRandom.make(options.seed).shuffle(distinct)
  const validationSize = Math.round(distinct.length * options.fraction)
  const validationGroups = new Set(shuffled.slice(0, validationSize))
  const train: Array<number> = []
  const validation: Array<number> = []
  for (let index = 0; index < count; index++)
    (validationGroups.has(groupOf[index]!) ? validation : train).push(index)
  return { train, validation }
}

/**
 * One epoch's report.
 *
 * @since 0.1.0
 */
export interface EpochReport {
  readonly epoch: number
  readonly epochs: number
  readonly trainLoss: number
  readonly validationLoss: number
  readonly best: boolean
}

/**
 * Options of {@link trainLogistic}.
 *
 * @since 0.1.0
 */
export interface LogisticOptions {
  readonly seed?: number
  readonly epochs?: number
  readonly learningRate?: number
  readonly l2?: number
  readonly batchSize?: number
  readonly validationFraction?: number
  /** Epochs without validation improvement before stopping. */
  readonly patience?: number
  readonly groups?: ReadonlyArray<string>
  readonly onProgress?: (report: EpochReport) => void
}

/**
 * A trained logistic-regression model.
 *
 * @since 0.1.0
 */
export interface LogisticModel {
  readonly weights: Float32Array
  readonly bias: number
  readonly bestEpoch: number
  readonly history: ReadonlyArray<EpochReport>
}

/**
 * Probability predicted by a logistic model.
 *
 * @since 0.1.0
 */
export const predictLogistic = (
  model: Pick<LogisticModel, "weights" | "bias">,
  x: ArrayLike<number>
): number => {
  let sum = model.bias
  for (let index = 0; index < model.weights.length; index++) sum += model.weights[index]! * x[index]!
  return sigmoid(sum)
}

const crossEntropy = (p: number, y: number) =>
  -(y * Math.log(Math.max(p, 1e-7)) + (1 - y) * Math.log(Math.max(1 - p, 1e-7)))

/**
 * Trains logistic regression on soft labels in [0, 1] with Adam; keeps the parameters of the epoch
 * with the lowest validation loss and stops after `patience` epochs without improvement.
 * Deterministic for a seed.
 *
 * @example
 * import { Routers } from "effect-llm-router"
 * const { Training } = Routers
 *
 * const model = Training.trainLogistic(vectors, labels, { seed: 1, onProgress: (r) => console.error(r.epoch) })
 *
 * @since 0.1.0
 */
export const trainLogistic = (
  x: ReadonlyArray<ArrayLike<number>>,
  y: ReadonlyArray<number>,
  options: LogisticOptions = {}
): LogisticModel => {
  const seed = options.seed ?? 0
  const epochs = options.epochs ?? 100
  const learningRate = options.learningRate ?? 0.01
  const l2 = options.l2 ?? 1e-3
  const batchSize = options.batchSize ?? 64
  const patience = options.patience ?? 8
  const d = x[0]?.length ?? 0
  const split = validationSplit(x.length, {
    fraction: options.validationFraction ?? 0.15,
    seed,
    ...(options.groups === undefined ? {} : { groups: options.groups })
  })
  const train =
    split.validation.length === 0 || split.train.length === 0
      ? Array.from({ length: x.length }, (_, index) => index)
      : [...split.train]
  const validation = split.validation.length === 0 || split.train.length === 0 ? train : split.validation
  const random = SeededRandom.make(seed ^ 0x9e3779b9)
  const weights = new Float64Array(d)
  let bias = 0
  const m = new Float64Array(d + 1)
  const v = new Float64Array(d + 1)
  const gradient = new Float64Array(d + 1)
  let step = 0
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: new Float32Array(d), bias: 0 }
  const history: Array<EpochReport> = []
  const lossOn = (indices: ReadonlyArray<number>) => {
    let total = 0
    for (const index of indices) {
      const row = x[index]!
      let z = bias
      for (let i = 0; i < d; i++) z += weights[i]! * row[i]!
      total += crossEntropy(sigmoid(z), y[index]!)
    }
    return total / Math.max(indices.length, 1)
  }
  for (let epoch = 1; epoch <= epochs; epoch++) {
    random.shuffle(train)
    let trainLoss = 0
    for (let start = 0; start < train.length; start += batchSize) {
      const batch = train.slice(start, start + batchSize)
      gradient.fill(0)
      for (const index of batch) {
        const row = x[index]!
        let z = bias
        for (let i = 0; i < d; i++) z += weights[i]! * row[i]!
        const p = sigmoid(z)
        trainLoss += crossEntropy(p, y[index]!)
        const error = p - y[index]!
        for (let i = 0; i < d; i++) gradient[i]! += error * row[i]!
        gradient[d]! += error
      }
      step++
      const correction1 = 1 - 0.9 ** step
      const correction2 = 1 - 0.999 ** step
      for (let i = 0; i <= d; i++) {
        const parameter = i < d ? weights[i]! : bias
        const g = gradient[i]! / batch.length + (i < d ? l2 * parameter : 0)
        m[i] = 0.9 * m[i]! + 0.1 * g
        v[i] = 0.999 * v[i]! + 0.001 * g * g
        const update = (learningRate * (m[i]! / correction1)) / (Math.sqrt(v[i]! / correction2) + 1e-8)
        if (i < d) weights[i] = parameter - update
        else bias = parameter - update
      }
    }
    const validationLoss = lossOn(validation)
    const improved = validationLoss < best.loss - 1e-6
    if (improved) best = { loss: validationLoss, epoch, weights: Float32Array.from(weights), bias }
    const report = {
      epoch,
      epochs,
      trainLoss: trainLoss / Math.max(train.length, 1),
      validationLoss,
      best: improved
    }
    history.push(report)
    options.onProgress?.(report)
    if (epoch - best.epoch >= patience) break
  }
  return { weights: best.weights, bias: best.bias, bestEpoch: best.epoch, history }
}
