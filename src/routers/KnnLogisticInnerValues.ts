/**
 * Inner out-of-fold values of the `knn_logistic` training (`KnnLogisticTraining`), each row's from
 * models fitted without its inner fold: at level 1, neighbour means, group posteriors and ridge
 * regressions of the strong score, the weak score and the gap on the unit-normalised embeddings,
 * for every setting of the grids; at level 2, the logistic scores of every design and penalty.
 *
 * @since 0.1.0
 */
import { GROUP_NEIGHBOURS, groupPosterior, nearest, neighbourMeans } from "./KnnLogisticNeighbours.ts"
import type { NeighbourSetting } from "./KnnLogisticNeighbours.ts"
import type { RidgePart } from "./KnnLogisticRouter.ts"
import * as LinearAlgebra from "./LinearAlgebra.ts"
import { fitLogistic, logisticProbability } from "./LogisticRegression.ts"
import * as SoftmaxMlp from "./SoftmaxMlp.ts"

/**
 * Ridge regressions of several targets for several penalties on a subset of rows, from the Gram
 * matrix and sums of the subset (`xtx`, `xSum`, `xty` uncentred): centring, then one Cholesky
 * solve per penalty.
 */
const ridgeFromMoments = (
  { xtx, xSum, xty, ySum, count }: Moments,
  d: number,
  lambdas: ReadonlyArray<number>
): Array<Array<RidgePart>> => {
  const targets = ySum.length
  const mean = Float64Array.from(xSum, (value) => value / count)
  const yMean = ySum.map((value) => value / count)
  const centred = new Float64Array(d * d)
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) centred[i * d + j] = xtx[i * d + j]! - count * mean[i]! * mean[j]!
  const rhs = new Float64Array(d * targets)
  for (let i = 0; i < d; i++)
    for (let t = 0; t < targets; t++)
      rhs[i * targets + t] = xty[i * targets + t]! - count * mean[i]! * yMean[t]!
  return lambdas.map((lambda) => {
    const system = Float64Array.from(centred)
    for (let i = 0; i < d; i++) system[i * d + i]! += lambda
    const solved = LinearAlgebra.solveSpd(
      { rows: d, columns: d, data: system },
      { rows: d, columns: targets, data: rhs }
    )
    return yMean.map((targetMean, t) => {
      const direction = Float32Array.from({ length: d }, (_, i) => solved.data[i * targets + t]!)
      let offset = targetMean
      for (let i = 0; i < d; i++) offset -= direction[i]! * mean[i]!
      return { direction, offset }
    })
  })
}

interface Moments {
  readonly xtx: Float64Array
  readonly xSum: Float64Array
  readonly xty: Float64Array
  readonly ySum: ReadonlyArray<number>
  readonly count: number
}

const moments = (
  rows: Float32Array,
  indices: ReadonlyArray<number>,
  targets: ReadonlyArray<Float32Array>,
  d: number
) => {
  const data = new Float64Array(indices.length * d)
  indices.forEach((row, position) => data.set(rows.subarray(row * d, (row + 1) * d), position * d))
  const xtx = LinearAlgebra.gram({ rows: indices.length, columns: d, data }, 0).data
  const xSum = new Float64Array(d)
  const xty = new Float64Array(d * targets.length)
  const ySum = targets.map(() => 0)
  indices.forEach((row, position) => {
    const offset = position * d
    targets.forEach((target, t) => {
      const y = target[row]!
      ySum[t]! += y
      for (let i = 0; i < d; i++) xty[i * targets.length + t]! += data[offset + i]! * y
    })
    for (let i = 0; i < d; i++) xSum[i]! += data[offset + i]!
  })
  return { xtx, xSum, xty, ySum, count: indices.length }
}

const subtractMoments = (all: Moments, part: Moments): Moments => ({
  xtx: all.xtx.map((value, index) => value - part.xtx[index]!),
  xSum: all.xSum.map((value, index) => value - part.xSum[index]!),
  xty: all.xty.map((value, index) => value - part.xty[index]!),
  ySum: all.ySum.map((value, index) => value - part.ySum[index]!),
  count: all.count - part.count
})

/**
 * Level-1 neighbour means of every target for every setting, each row's from its nearest rows in
 * the other inner folds (one pass of similarities over all pairs, exact top-k), and the group
 * posterior of each row (when there are groups).
 *
 * @since 0.1.0
 */
export const innerNeighbourValues = (
  rows: Float32Array,
  d: number,
  innerFold: Int32Array,
  targets: ReadonlyArray<Float32Array>,
  settings: ReadonlyArray<NeighbourSetting>,
  grouping: { readonly groups: Int32Array; readonly groupCount: number }
) => {
  const n = innerFold.length
  const knnValues = settings.map(() => targets.map(() => new Float64Array(n)))
  const { groups, groupCount } = grouping
  const posterior = groupCount > 1 ? new Float64Array(n * groupCount) : undefined
  const take = Math.min(n, Math.max(...settings.map((setting) => setting.k), GROUP_NEIGHBOURS))
  const queries = Array.from({ length: n }, (_, row) => rows.subarray(row * d, (row + 1) * d))
  // Each row's neighbours come from the other inner folds: the candidate rows of each fold, once.
  const foldCount = innerFold.reduce((most, fold) => Math.max(most, fold), 0) + 1
  const candidatesOf = Array.from({ length: foldCount }, (_, fold) =>
    Int32Array.from(innerFold.keys()).filter((row) => innerFold[row] !== fold)
  )
  LinearAlgebra.forEachDotProductRow(queries, Float64Array.from(rows), n, d, (query, similarities) => {
    const top = nearest(similarities, take, candidatesOf[innerFold[query]!])
    neighbourMeans(top, targets, settings).forEach((means, s) =>
      means.forEach((value, t) => {
        knnValues[s]![t]![query] = value
      })
    )
    if (posterior !== undefined) posterior.set(groupPosterior(top, groups, groupCount), query * groupCount)
  })
  return { knnValues, posterior }
}

/**
 * Level-1 ridge values of every target for every penalty, each row's from the fit without its inner
 * fold (the Gram matrix of all rows once, minus each fold's), and the fits on every row.
 *
 * @since 0.1.0
 */
export const innerRidgeValues = (
  rows: Float32Array,
  d: number,
  innerFold: Int32Array,
  folds: number,
  targets: ReadonlyArray<Float32Array>,
  lambdas: ReadonlyArray<number>
) => {
  const n = innerFold.length
  const all = moments(
    rows,
    Array.from({ length: n }, (_, row) => row),
    targets,
    d
  )
  const ridgeValues = lambdas.map(() => targets.map(() => new Float64Array(n)))
  for (let fold = 0; fold < folds; fold++) {
    const held = Array.from({ length: n }, (_, row) => row).filter((row) => innerFold[row] === fold)
    if (held.length === 0) continue
    const training = subtractMoments(all, moments(rows, held, targets, d))
    ridgeFromMoments(training, d, lambdas).forEach((byTarget, l) =>
      byTarget.forEach((part, t) => {
        for (const row of held)
          ridgeValues[l]![t]![row] =
            part.offset + LinearAlgebra.dot(part.direction, rows.subarray(row * d, (row + 1) * d))
      })
    )
  }
  return { ridgeValues, fullRidge: ridgeFromMoments(all, d, lambdas) }
}

const rowSubset = (source: Float64Array, width: number, indices: ReadonlyArray<number>) => {
  const out = new Float64Array(indices.length * width)
  indices.forEach((row, position) =>
    out.set(source.subarray(row * width, (row + 1) * width), position * width)
  )
  return out
}

/**
 * Inner out-of-fold level-2 scores `P(strong only right) − P(weak only right)` of every design and
 * penalty (keys `L(l2)`, `LS(l2)`); along each fold's penalty path, strongest first, each fit
 * starts from the previous solution.
 *
 * @since 0.1.0
 */
export const innerLogisticScores = (
  designs: ReadonlyArray<{ readonly kind: "L" | "LS"; readonly width: number; readonly data: Float64Array }>,
  strongWins: Float64Array,
  weakWins: Float64Array,
  innerFold: Int32Array,
  folds: number,
  l2s: ReadonlyArray<number>,
  log: (message: string) => void
): Map<string, Float64Array> => {
  const n = innerFold.length
  const descending = [...l2s].sort((a, b) => b - a)
  const innerScores = new Map<string, Float64Array>()
  for (const { kind } of designs) for (const l2 of l2s) innerScores.set(`${kind}(${l2})`, new Float64Array(n))
  for (let fold = 0; fold < folds; fold++) {
    const train: Array<number> = []
    const held: Array<number> = []
    for (let row = 0; row < n; row++) (innerFold[row] === fold ? held : train).push(row)
    if (held.length === 0 || train.length === 0) continue
    for (const { kind, width, data } of designs) {
      const trainData = rowSubset(data, width, train)
      const heldData = rowSubset(data, width, held)
      const path = (labels: Float64Array) => {
        const trainLabels = Float64Array.from(train, (row) => labels[row]!)
        let start: Float64Array | undefined
        return descending.map((l2) => {
          start = fitLogistic(
            trainData,
            train.length,
            width,
            trainLabels,
            l2,
            start === undefined ? {} : { start }
          )
          return start
        })
      }
      const strongPath = path(strongWins)
      const weakPath = path(weakWins)
      descending.forEach((l2, index) => {
        const scores = innerScores.get(`${kind}(${l2})`)!
        held.forEach((row, position) => {
          const x = heldData.subarray(position * width, (position + 1) * width)
          scores[row] = logisticProbability(strongPath[index]!, x) - logisticProbability(weakPath[index]!, x)
        })
      })
    }
    log(`level 2: inner fold ${fold + 1}/${folds}`)
  }
  return innerScores
}

/**
 * A configuration of the level-2 MLP candidates.
 *
 * @since 0.1.0
 */
export interface MlpConfiguration {
  readonly hidden: number
  readonly l2: number
}

/**
 * The name of the MLP candidate with these settings, as in the training report.
 *
 * @since 0.1.0
 */
export const mlpCandidateName = ({ hidden, l2 }: MlpConfiguration, epochs: number) =>
  `M(${hidden}, ${l2}, ${epochs})`

/**
 * Inner out-of-fold level-2 scores `P(strong only right) − P(weak only right)` of 3-class MLPs
 * (`SoftmaxMlp`) for every configuration and every epoch count in `epochs` (one training run per
 * configuration and fold, snapshots along the way; the fold's index seeds it), keyed by
 * {@link mlpCandidateName}.
 *
 * @since 0.1.0
 */
export const innerMlpScores = (
  input: { readonly width: number; readonly data: Float64Array },
  classes: Int32Array,
  innerFold: Int32Array,
  folds: number,
  configurations: ReadonlyArray<MlpConfiguration>,
  epochs: ReadonlyArray<number>,
  log: (message: string) => void
): Map<string, Float64Array> => {
  const n = innerFold.length
  const { width, data } = input
  const innerScores = new Map<string, Float64Array>()
  for (const configuration of configurations)
    for (const epoch of epochs) innerScores.set(mlpCandidateName(configuration, epoch), new Float64Array(n))
  for (let fold = 0; fold < folds; fold++) {
    const train: Array<number> = []
    const held: Array<number> = []
    for (let row = 0; row < n; row++) (innerFold[row] === fold ? held : train).push(row)
    if (held.length === 0 || train.length === 0) continue
    const trainData = rowSubset(data, width, train)
    const trainClasses = Int32Array.from(train, (row) => classes[row]!)
    for (const configuration of configurations) {
      const snapshots = SoftmaxMlp.train(trainData, train.length, width, trainClasses, {
        ...configuration,
        seed: fold,
        snapshots: epochs
      })
      for (const epoch of epochs) {
        const network = [snapshots.get(epoch)!]
        const scores = innerScores.get(mlpCandidateName(configuration, epoch))!
        for (const row of held)
          scores[row] = SoftmaxMlp.margin(network, data.subarray(row * width, (row + 1) * width))
      }
    }
    log(`level 2 MLP: inner fold ${fold + 1}/${folds}`)
  }
  return innerScores
}
