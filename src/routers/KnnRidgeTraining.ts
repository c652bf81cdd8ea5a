/**
 * Training of the kNN + ridge blend (`KnnRidgeRouter`): ridge regressions for a grid of penalties,
 * and {@link fit}, which chooses every hyper-parameter and the calibration on validation data of
 * the training set only.
 *
 * @since 0.1.0
 */
import { rankingApgr } from "./InnerValidation.ts"
import * as KnnRidgeRouter from "./KnnRidgeRouter.ts"
import type { KnnRidgeModel } from "./KnnRidgeRouter.ts"
import * as LinearAlgebra from "./LinearAlgebra.ts"
import { sigmoid } from "./RouterSupport.ts"
import * as SeededRandom from "./SeededRandom.ts"

/**
 * Ridge regressions of `targets` on `vectors` (intercept unpenalised) for several penalties: one
 * Gram matrix, one solve per penalty.
 *
 * @since 0.1.0
 */
export const ridgeGrid = (
  vectors: ReadonlyArray<ArrayLike<number>>,
  targets: ReadonlyArray<number>,
  lambdas: ReadonlyArray<number>
): Array<{ readonly direction: Float32Array; readonly offset: number }> => {
  const d = vectors[0]?.length ?? 0
  const n = vectors.length
  const means = new Float64Array(d)
  for (const vector of vectors) for (let i = 0; i < d; i++) means[i]! += vector[i]! / n
  const targetMean = targets.reduce((sum, value) => sum + value, 0) / Math.max(n, 1)
  const centred = LinearAlgebra.fromRows(
    vectors.map((vector) => Array.from({ length: d }, (_, i) => vector[i]! - means[i]!)),
    d
  )
  const y = LinearAlgebra.fromRows(
    targets.map((value) => [value - targetMean]),
    1
  )
  const xty = LinearAlgebra.transposeTimes(centred, y)
  const base = LinearAlgebra.gram(centred, 0)
  return lambdas.map((lambda) => {
    const gram = { ...base, data: Float64Array.from(base.data) }
    for (let i = 0; i < d; i++) gram.data[i * d + i]! += lambda
    const solved = LinearAlgebra.solveSpd(gram, xty)
    const direction = Float32Array.from(solved.data)
    let offset = targetMean
    for (let i = 0; i < d; i++) offset -= direction[i]! * means[i]!
    return { direction, offset }
  })
}

/**
 * Labelled examples for {@link fit}: an embedding and the strong − weak score gap.
 *
 * @since 0.1.0
 */
export interface Example {
  readonly embedding: ArrayLike<number>
  readonly gap: number
  /** Examples sharing a group (e.g. identical prompts) stay on one side of a validation split. */
  readonly group: string
}

/**
 * Hyper-parameter grid of {@link fit}.
 *
 * @since 0.1.0
 */
export interface FitOptions {
  readonly seed?: number
  readonly ks?: ReadonlyArray<number>
  readonly temperatures?: ReadonlyArray<number>
  readonly lambdas?: ReadonlyArray<number>
  readonly alphas?: ReadonlyArray<number>
  /** Called after each inner fold and after the final refit (`done` of `total` steps). */
  readonly onProgress?: (done: number, total: number) => void
}

/**
 * The validation figures behind {@link fitWithReport}'s choices: exact APGR (ranking by the
 * predicted gap) of the chosen neighbour part, ridge part and blend on the validation predictions
 * that chose them (so slightly optimistic), and how those were made.
 *
 * @since 0.1.0
 */
export interface FitReport {
  readonly method: string
  readonly validationPairs: number
  readonly knnApgr: number
  readonly ridgeApgr: number
  readonly blendApgr: number
}

const meanAndScale = (values: ReadonlyArray<number>) => {
  const mean = values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1)
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(values.length, 1)
  return { mean, scale: Math.sqrt(variance) || 1 }
}

/** One-dimensional logistic regression of soft labels on a score (Newton's method). */
const calibrate = (scores: ReadonlyArray<number>, labels: ReadonlyArray<number>) => {
  let slope = 0
  let intercept = 0
  for (let iteration = 0; iteration < 50; iteration++) {
    let g0 = 0
    let g1 = 0
    let h00 = 1e-6
    let h01 = 0
    let h11 = 1e-6
    scores.forEach((score, index) => {
      const p = sigmoid(slope * score + intercept)
      const error = p - labels[index]!
      const w = p * (1 - p)
      g0 += error * score
      g1 += error
      h00 += w * score * score
      h01 += w * score
      h11 += w
    })
    // Small ridge on the slope keeps separable data finite.
    g0 += 1e-3 * slope
    h00 += 1e-3
    const determinant = h00 * h11 - h01 * h01
    const step0 = (h11 * g0 - h01 * g1) / determinant
    const step1 = (h00 * g1 - h01 * g0) / determinant
    slope -= step0
    intercept -= step1
    if (Math.abs(step0) + Math.abs(step1) < 1e-9) break
  }
  return { slope, intercept }
}

/**
 * Fits the blend: validation data of the training set (pooled 5-fold inner cross-validation under
 * 2,000 examples, else one 25 % split, groups kept together) choose `(k, temperature)` and the ridge
 * penalty by the exact APGR of each part, then `alpha` by the APGR of the blend, and calibrate the
 * win rate on the same validation predictions; the final parts are refitted on every example.
 * Deterministic for a seed.
 *
 * @since 0.1.0
 */
export const fit = (examples: ReadonlyArray<Example>, options: FitOptions = {}): KnnRidgeModel =>
  fitWithReport(examples, options).model

/**
 * {@link fit}, also returning the validation figures behind its choices.
 *
 * @since 0.1.0
 */
export const fitWithReport = (
  examples: ReadonlyArray<Example>,
  options: FitOptions = {}
): { readonly model: KnnRidgeModel; readonly report: FitReport } => {
  const d = examples[0]?.embedding.length ?? 0
  const seed = options.seed ?? 0
  const settings = (options.ks ?? [25, 50, 100, 200, 400, 800]).flatMap((k) =>
    (options.temperatures ?? [0, 0.05, 0.1, 0.2]).map((temperature) => ({ k, temperature }))
  )
  const lambdas = options.lambdas ?? [1, 3, 10, 30, 100]
  const alphas = options.alphas ?? [0, 0.25, 0.5, 0.75, 1]
  const groups = [...new Set(examples.map((example) => example.group))]
  const order = SeededRandom.make(seed).shuffle(groups.map((_, index) => index))
  const folds = examples.length < 2000 ? 5 : 1
  const foldOfGroup = new Map<string, number>()
  order.forEach((group, position) =>
    foldOfGroup.set(
      groups[group]!,
      folds > 1 ? position % folds : position < Math.round(groups.length * 0.25) ? 0 : 1
    )
  )
  const validationKnn: Array<Array<number>> = []
  const validationRidge: Array<Array<number>> = []
  const validationGaps: Array<number> = []
  for (let fold = 0; fold < folds; fold++) {
    const train = examples.filter((example) => foldOfGroup.get(example.group) !== fold)
    const validation = examples.filter((example) => foldOfGroup.get(example.group) === fold)
    if (train.length === 0 || validation.length === 0) continue
    const trainRows = KnnRidgeRouter.unitRows(
      train.map((example) => example.embedding),
      d
    )
    const trainGaps = Float32Array.from(train, (example) => example.gap)
    const queries = validation.map((example) => example.embedding)
    validationKnn.push(...KnnRidgeRouter.neighbourAveragesBatch(trainRows, trainGaps, d, queries, settings))
    const ridges = ridgeGrid(
      train.map((example) => example.embedding),
      train.map((example) => example.gap),
      lambdas
    )
    validationRidge.push(
      ...queries.map((query) =>
        ridges.map(({ direction, offset }) => offset + LinearAlgebra.dot(direction, query))
      )
    )
    validationGaps.push(...validation.map((example) => example.gap))
    options.onProgress?.(fold + 1, folds + 1)
  }
  const best = (columns: number, column: (index: number) => ReadonlyArray<number>) => {
    let chosen = 0
    let value = Number.NEGATIVE_INFINITY
    for (let index = 0; index < columns; index++) {
      const apgr = rankingApgr(column(index), validationGaps)
      if (apgr > value) {
        value = apgr
        chosen = index
      }
    }
    return { chosen, value }
  }
  const knnChoice = best(settings.length, (index) => validationKnn.map((row) => row[index]!))
  const ridgeChoice = best(lambdas.length, (index) => validationRidge.map((row) => row[index]!))
  const knnValues = validationKnn.map((row) => row[knnChoice.chosen]!)
  const ridgeValues = validationRidge.map((row) => row[ridgeChoice.chosen]!)
  const knnStats = meanAndScale(knnValues)
  const ridgeStats = meanAndScale(ridgeValues)
  const standardisation = {
    knnMean: knnStats.mean,
    knnScale: knnStats.scale,
    ridgeMean: ridgeStats.mean,
    ridgeScale: ridgeStats.scale
  }
  const blended = (alpha: number) =>
    knnValues.map((knn, index) =>
      KnnRidgeRouter.combine({ ...standardisation, alpha }, knn, ridgeValues[index]!)
    )
  const alphaChoice = best(alphas.length, (index) => blended(alphas[index]!))
  const alpha = alphas[alphaChoice.chosen]!
  const labels = validationGaps.map((gap) => (gap > 0 ? 1 : gap < 0 ? 0 : 0.5))
  const { slope, intercept } = calibrate(blended(alpha), labels)
  const finalRidge = ridgeGrid(
    examples.map((example) => example.embedding),
    examples.map((example) => example.gap),
    [lambdas[ridgeChoice.chosen]!]
  )[0]!
  const setting = settings[knnChoice.chosen]!
  options.onProgress?.(folds + 1, folds + 1)
  const model: KnnRidgeModel = {
    dimension: d,
    examples: KnnRidgeRouter.unitRows(
      examples.map((example) => example.embedding),
      d
    ),
    gaps: Float32Array.from(examples, (example) => example.gap),
    k: setting.k,
    temperature: setting.temperature,
    ridgeDirection: finalRidge.direction,
    ridgeOffset: finalRidge.offset,
    alpha,
    ...standardisation,
    calibrationSlope: slope,
    calibrationIntercept: intercept
  }
  return {
    model,
    report: {
      method:
        folds > 1
          ? "pooled 5-fold inner cross-validation of the training pairs (identical prompts in one fold)"
          : "25 % validation split of the training pairs (identical prompts together)",
      validationPairs: validationGaps.length,
      knnApgr: knnChoice.value,
      ridgeApgr: ridgeChoice.value,
      blendApgr: alphaChoice.value
    }
  }
}
