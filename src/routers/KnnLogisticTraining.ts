/**
 * Training of the stacked `knn_logistic` router (`KnnLogisticRouter`), a port of the numpy
 * procedure in `scripts/experiments/mmlu-stacking/final.py`:
 *
 * 1. Level 1 on the unit-normalised embeddings: similarity-weighted neighbour means (exact top-k)
 *    and ridge regressions of the strong score, the weak score and the gap, over a grid of
 *    settings. Training prompts get inner out-of-fold values (5 folds keyed by the CRC-32 of the
 *    prompt, so duplicates stay together); the gap parts are chosen by inner exact APGR, the
 *    strong/weak parts by inner correlation with their target.
 * 2. With groups (MMLU subjects): a soft group posterior from the 80 nearest training prompts.
 * 3. Text features (`PromptFeatures`), standardised on the training prompts.
 * 4. Level 2 candidates: two L2-penalised logistic regressions (strong-only-right and
 *    weak-only-right) on the design `L` (and `LS` = `L` + group posterior) for several penalties;
 *    optionally (`mlpConfigurations`, off by default) 3-class MLPs (`SoftmaxMlp`: only strong right / only weak right / other) on the six level-1
 *    inputs and the features, for several sizes, penalties and epoch counts; `E`, the sum of the
 *    best logistic and the best MLP candidate, each standardised; and the knn_ridge-style blend of
 *    the two gap parts. The winner has the best pooled inner out-of-fold exact APGR (another set of
 *    inner folds), is refitted on every training prompt (an MLP as the average of
 *    `mlpNetworks` networks with different seeds) and calibrated to the expected gap by a 1-d
 *    least-squares fit on its inner out-of-fold scores.
 *
 * Deterministic: folds come from a hash of the prompt, the logistic solver is exact and the MLPs
 * are trained from fixed seeds.
 *
 * @since 0.1.0
 */
import { exactApgr, hashFolds } from "./InnerValidation.ts"
import type { NeighbourSetting } from "./KnnLogisticNeighbours.ts"
import {
  innerLogisticScores,
  innerMlpScores,
  innerNeighbourValues,
  innerRidgeValues,
  mlpCandidateName
} from "./KnnLogisticInnerValues.ts"
import type { MlpConfiguration } from "./KnnLogisticInnerValues.ts"
import * as KnnLogisticRouter from "./KnnLogisticRouter.ts"
import type { Head, KnnLogisticModel, LogisticHead, MlpHead, Standardisation } from "./KnnLogisticRouter.ts"
import { fitLogistic } from "./LogisticRegression.ts"
import * as PromptFeatures from "./PromptFeatures.ts"
import * as SoftmaxMlp from "./SoftmaxMlp.ts"
import { floatToHalf, halfToFloat } from "./Weights.ts"

/**
 * One labelled prompt.
 *
 * @since 0.1.0
 */
export interface Example {
  readonly embedding: ArrayLike<number>
  readonly prompt: string
  readonly strongScore: number
  readonly weakScore: number
  /** E.g. the MMLU subject; with two or more groups the group posterior becomes a candidate input. */
  readonly group?: string
}

/**
 * Grids and inner-fold seeds of {@link fit} (defaults: those of the numpy reference).
 *
 * @since 0.1.0
 */
export interface FitOptions {
  readonly ks?: ReadonlyArray<number>
  readonly temperatures?: ReadonlyArray<number>
  readonly lambdas?: ReadonlyArray<number>
  readonly l2s?: ReadonlyArray<number>
  readonly alphas?: ReadonlyArray<number>
  /**
   * MLP candidates (hidden units and penalty); none by default, which also leaves `E` out.
   * {@link MLP_CONFIGURATIONS} is the numpy reference's grid. Measured on MMLU over three fold
   * splits they did not raise the out-of-fold APGR and cost about 40 % more training time.
   */
  readonly mlpConfigurations?: ReadonlyArray<MlpConfiguration>
  /** Epoch counts tried for every MLP configuration. */
  readonly mlpEpochs?: ReadonlyArray<number>
  /** Networks averaged in a chosen MLP head (seeds 100, 101, ...). */
  readonly mlpNetworks?: number
  readonly innerFolds?: number
  /** Seed of the level-1 inner folds (1) and of the level-2 inner folds (3). */
  readonly levelOneSeed?: number
  readonly levelTwoSeed?: number
  readonly onProgress?: (message: string) => void
}

/**
 * What {@link fit} chose and the inner scores behind the choice.
 *
 * @since 0.1.0
 */
export interface FitReport {
  readonly levelOne: Readonly<Record<string, string>>
  /** Pooled inner out-of-fold exact APGR of every level-2 candidate, in candidate order. */
  readonly candidates: ReadonlyArray<{ readonly name: string; readonly apgr: number }>
  readonly chosen: string
  readonly seconds: Readonly<Record<string, number>>
}

const meanOf = (values: ArrayLike<number>) => {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]!
  return sum / Math.max(values.length, 1)
}

/** Mean and population standard deviation (+1e-12, as the reference). */
const standardisationOf = (values: ArrayLike<number>): Standardisation => {
  const mean = meanOf(values)
  let squares = 0
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2
  return { mean, scale: Math.sqrt(squares / Math.max(values.length, 1)) + 1e-12 }
}

const correlation = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const ma = meanOf(a)
  const mb = meanOf(b)
  let ab = 0
  let aa = 0
  let bb = 0
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb)
    aa += (a[i]! - ma) ** 2
    bb += (b[i]! - mb) ** 2
  }
  return ab / Math.sqrt(aa * bb)
}

/** Index of the first maximum (NaN never wins). */
const argMax = (values: ReadonlyArray<number>) => {
  let best = 0
  for (let i = 1; i < values.length; i++)
    if (values[i]! > values[best]! || Number.isNaN(values[best]!)) best = i
  return best
}

/** Rounds to the nearest float16 value (examples are saved as float16). */
const halfRounded = (values: Float32Array) => values.map((value) => halfToFloat(floatToHalf(value)))

/** Text features of the training prompts, standardised on them; constant columns dropped. */
const standardisedFeatures = (prompts: ReadonlyArray<string>) => {
  const n = prompts.length
  const frequency = PromptFeatures.documentFrequency(prompts)
  const rawFeatures = prompts.map((prompt) => PromptFeatures.features(prompt, frequency))
  const featureColumns: Array<number> = []
  const featureMeans: Array<number> = []
  const featureScales: Array<number> = []
  PromptFeatures.featureNames.forEach((_, column) => {
    const values = rawFeatures.map((row) => row[column]!)
    const mean = meanOf(values)
    const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / n
    if (values.every((value) => value === values[0]) || !(variance > 0)) return
    featureColumns.push(column)
    featureMeans.push(mean)
    featureScales.push(Math.sqrt(variance))
  })
  const featureRows = rawFeatures.map((row) =>
    featureColumns.map((column, index) => (row[column]! - featureMeans[index]!) / featureScales[index]!)
  )
  return { frequency, featureColumns, featureMeans, featureScales, featureRows }
}

const TARGETS = ["strong", "weak", "gap"] as const

/**
 * The MLP candidates of the numpy reference (`final.py`): 16 or 32 hidden units, penalty 1e-3 or
 * 3e-3; pass them as `mlpConfigurations` to add MLP and ensemble candidates to level 2.
 *
 * @since 0.1.0
 */
export const MLP_CONFIGURATIONS: ReadonlyArray<MlpConfiguration> = [
  { hidden: 16, l2: 1e-3 },
  { hidden: 16, l2: 3e-3 },
  { hidden: 32, l2: 1e-3 },
  { hidden: 32, l2: 3e-3 }
]

/**
 * Fits the router (see the module description). `examples` must hold both scores of every prompt.
 * Returns the model and a report of the choices and inner scores.
 *
 * @since 0.1.0
 */
export const fit = (
  examples: ReadonlyArray<Example>,
  options: FitOptions = {}
): { readonly model: KnnLogisticModel; readonly report: FitReport } => {
  const log = options.onProgress ?? (() => undefined)
  const clock = { start: Date.now(), last: Date.now() }
  const seconds: Record<string, number> = {}
  const lap = (name: string) => {
    const now = Date.now()
    seconds[name] = (now - clock.last) / 1000
    clock.last = now
    log(`${name}: ${seconds[name]!.toFixed(1)} s`)
  }
  const n = examples.length
  const d = examples[0]?.embedding.length ?? 0
  const folds = options.innerFolds ?? 5
  const ks = options.ks ?? [10, 20, 40, 80, 160, 240]
  const temperatures = options.temperatures ?? [0.02, 0.05, 0.1, 0.2, 0]
  const lambdas = options.lambdas ?? [3, 10, 30, 100]
  const l2s = options.l2s ?? [0.003, 0.01, 0.03, 0.1]
  const alphas = options.alphas ?? Array.from({ length: 11 }, (_, index) => index / 10)
  const mlpConfigurations = options.mlpConfigurations ?? []
  const mlpEpochs = options.mlpEpochs ?? [5, 10, 15, 20, 25, 30, 40]
  const mlpNetworks = options.mlpNetworks ?? 5
  const settings: Array<NeighbourSetting> = ks.flatMap((k) =>
    temperatures.map((temperature) => ({ k, temperature }))
  )

  // Scores: raw for the gap and the APGR; strong/weak rescaled to [0, 1] by the training range.
  const rawStrong = Float64Array.from(examples, (example) => example.strongScore)
  const rawWeak = Float64Array.from(examples, (example) => example.weakScore)
  let scoreLow = Number.POSITIVE_INFINITY
  let scoreHigh = Number.NEGATIVE_INFINITY
  for (const value of [...rawStrong, ...rawWeak]) {
    scoreLow = Math.min(scoreLow, value)
    scoreHigh = Math.max(scoreHigh, value)
  }
  if (!(scoreHigh > scoreLow)) {
    scoreLow = Math.min(scoreLow, 0)
    scoreHigh = scoreLow + 1
  }
  const range = scoreHigh - scoreLow
  const strongScores = Float32Array.from(rawStrong, (value) => (value - scoreLow) / range)
  const weakScores = Float32Array.from(rawWeak, (value) => (value - scoreLow) / range)
  const gaps = Float32Array.from(rawStrong, (value, index) => value - rawWeak[index]!)
  const targets = [strongScores, weakScores, gaps]
  const groupNames = [...new Set(examples.map((example) => example.group ?? ""))].sort()
  const useGroups = groupNames.length > 1
  const groups = Int32Array.from(examples, (example) =>
    useGroups ? groupNames.indexOf(example.group ?? "") : 0
  )

  const unit = new Float32Array(n * d)
  examples.forEach((example, row) => {
    let norm = 0
    for (let i = 0; i < d; i++) norm += example.embedding[i]! ** 2
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0
    for (let i = 0; i < d; i++) unit[row * d + i] = example.embedding[i]! * scale
  })
  const rows = halfRounded(unit)
  const prompts = examples.map((example) => example.prompt)

  // Level 1, neighbours: one pass of similarities over all pairs, top-k among other inner folds.
  const innerOne = hashFolds(prompts, folds, options.levelOneSeed ?? 1)
  const { knnValues, posterior } = innerNeighbourValues(rows, d, innerOne, targets, settings, {
    groups,
    groupCount: useGroups ? groupNames.length : 0
  })
  lap("neighbours")

  const { ridgeValues, fullRidge } = innerRidgeValues(rows, d, innerOne, folds, targets, lambdas)
  lap("ridge")

  // Choices: gap parts by inner exact APGR, strong/weak parts by correlation with their target.
  const choose = (grid: ReadonlyArray<ReadonlyArray<Float64Array>>, t: number) =>
    argMax(
      grid.map((values) =>
        t === 2 ? exactApgr(values[2]!, rawStrong, rawWeak) : correlation(values[t]!, targets[t]!)
      )
    )
  const knnChoice = TARGETS.map((_, t) => choose(knnValues, t))
  const ridgeChoice = TARGETS.map((_, t) => choose(ridgeValues, t))
  const knnOf = (t: number) => knnValues[knnChoice[t]!]![t]!
  const ridgeOf = (t: number) => ridgeValues[ridgeChoice[t]!]![t]!
  const ridgeStrongScale = standardisationOf(ridgeOf(0))
  const ridgeWeakScale = standardisationOf(ridgeOf(1))
  const knnGapScale = standardisationOf(knnOf(2))
  const ridgeGapScale = standardisationOf(ridgeOf(2))
  const levelOne = Array.from({ length: n }, (_, row) => [
    KnnLogisticRouter.clippedLogit(knnOf(0)[row]!),
    KnnLogisticRouter.clippedLogit(knnOf(1)[row]!),
    (ridgeOf(0)[row]! - ridgeStrongScale.mean) / ridgeStrongScale.scale,
    (ridgeOf(1)[row]! - ridgeWeakScale.mean) / ridgeWeakScale.scale,
    (knnOf(2)[row]! - knnGapScale.mean) / knnGapScale.scale,
    (ridgeOf(2)[row]! - ridgeGapScale.mean) / ridgeGapScale.scale
  ])

  const { frequency, featureColumns, featureMeans, featureScales, featureRows } =
    standardisedFeatures(prompts)
  lap("features")

  // Level 2 designs.
  const designs = (useGroups ? (["L", "LS"] as const) : (["L"] as const)).map((kind) => {
    const width = 6 + 3 * featureColumns.length + (kind === "LS" ? groupNames.length : 0)
    const data = new Float64Array(n * width)
    for (let row = 0; row < n; row++)
      data.set(
        KnnLogisticRouter.design(
          levelOne[row]!,
          featureRows[row]!,
          kind === "LS"
            ? posterior!.subarray(row * groupNames.length, (row + 1) * groupNames.length)
            : undefined
        ),
        row * width
      )
    return { kind, width, data }
  })
  const strongWins = Float64Array.from(examples, (example) =>
    example.strongScore > example.weakScore ? 1 : 0
  )
  const weakWins = Float64Array.from(examples, (example) => (example.weakScore > example.strongScore ? 1 : 0))
  const innerTwo = hashFolds(prompts, folds, options.levelTwoSeed ?? 3)
  const innerScores = innerLogisticScores(designs, strongWins, weakWins, innerTwo, folds, l2s, log)
  lap("level 2 inner")
  type Candidate<H extends Head> = { name: string; scores: Float64Array; head: () => H }
  const logisticCandidates: Array<Candidate<LogisticHead>> = []
  for (const l2 of l2s)
    for (const { kind, width, data } of designs)
      logisticCandidates.push({
        name: `${kind}(${l2})`,
        scores: innerScores.get(`${kind}(${l2})`)!,
        head: () => ({
          kind,
          l2,
          strongWins: fitLogistic(data, n, width, strongWins, l2),
          weakWins: fitLogistic(data, n, width, weakWins, l2)
        })
      })

  // MLP candidates on [six level-1 inputs, features]: classes 1 = only strong right, 2 = only weak.
  const mlpWidth = 6 + featureColumns.length
  const mlpData = new Float64Array(n * mlpWidth)
  for (let row = 0; row < n; row++)
    mlpData.set(KnnLogisticRouter.mlpInput(levelOne[row]!, featureRows[row]!), row * mlpWidth)
  const classes = Int32Array.from(strongWins, (strong, row) =>
    strong === 1 ? 1 : weakWins[row] === 1 ? 2 : 0
  )
  const mlpCandidates: Array<Candidate<MlpHead>> = []
  if (mlpConfigurations.length > 0 && mlpEpochs.length > 0) {
    const innerMlp = innerMlpScores(
      { width: mlpWidth, data: mlpData },
      classes,
      innerTwo,
      folds,
      mlpConfigurations,
      mlpEpochs,
      log
    )
    lap("level 2 MLP inner")
    for (const configuration of mlpConfigurations)
      for (const epochs of mlpEpochs)
        mlpCandidates.push({
          name: mlpCandidateName(configuration, epochs),
          scores: innerMlp.get(mlpCandidateName(configuration, epochs))!,
          head: () => ({
            kind: "M",
            ...configuration,
            epochs,
            // Rounded to float32, as saved, so that a loaded router gives the same numbers.
            networks: Array.from({ length: mlpNetworks }, (_, index) => {
              const trained = SoftmaxMlp.train(mlpData, n, mlpWidth, classes, {
                ...configuration,
                seed: 100 + index,
                snapshots: [epochs]
              }).get(epochs)!
              return SoftmaxMlp.unflatten(
                Float32Array.from(SoftmaxMlp.flatten(trained)),
                mlpWidth,
                configuration.hidden
              )
            })
          })
        })
  }
  const bestOf = <H extends Head>(group: ReadonlyArray<Candidate<H>>) =>
    group[argMax(group.map((candidate) => exactApgr(candidate.scores, rawStrong, rawWeak)))]!

  const candidates: Array<Candidate<Head>> = [...logisticCandidates, ...mlpCandidates]
  if (mlpCandidates.length > 0 && logisticCandidates.length > 0) {
    // E: the best logistic and the best MLP candidate, each standardised by its inner scores.
    const logistic = bestOf(logisticCandidates)
    const mlp = bestOf(mlpCandidates)
    const logisticScale = standardisationOf(logistic.scores)
    const mlpScale = standardisationOf(mlp.scores)
    candidates.push({
      name: `E(${logistic.name} + ${mlp.name})`,
      scores: Float64Array.from(
        logistic.scores,
        (value, row) =>
          (value - logisticScale.mean) / logisticScale.scale +
          (mlp.scores[row]! - mlpScale.mean) / mlpScale.scale
      ),
      head: () => ({ kind: "E", logistic: logistic.head(), mlp: mlp.head(), logisticScale, mlpScale })
    })
  }
  for (const alpha of alphas)
    candidates.push({
      name: `base(${alpha})`,
      scores: Float64Array.from(levelOne, (b) => alpha * b[4]! + (1 - alpha) * b[5]!),
      head: () => ({ kind: "base", alpha })
    })
  if (candidates.length === 0)
    throw new Error(
      "knn_logistic: no level-2 candidates; give at least one of l2s, alphas, mlpConfigurations"
    )
  const candidateApgr = candidates.map((candidate) => exactApgr(candidate.scores, rawStrong, rawWeak))
  const winner = candidates[argMax(candidateApgr)]!
  const head = winner.head()
  // Expected gap: least-squares line of the gap on the winner's inner out-of-fold score.
  const scoreMean = meanOf(winner.scores)
  const gapMean = meanOf(gaps)
  let covariance = 0
  let variance = 0
  for (let row = 0; row < n; row++) {
    covariance += (winner.scores[row]! - scoreMean) * (gaps[row]! - gapMean)
    variance += (winner.scores[row]! - scoreMean) ** 2
  }
  const calibrationSlope = variance > 0 ? covariance / variance : 0
  lap("level 2 final")

  const setting = (t: number) => settings[knnChoice[t]!]!
  const ridgePart = (t: number) => fullRidge[ridgeChoice[t]!]![t]!
  const model: KnnLogisticModel = {
    dimension: d,
    examples: rows,
    strongScores,
    weakScores,
    gaps,
    groups,
    groupNames: useGroups ? groupNames : [],
    scoreLow,
    scoreHigh,
    knnStrong: setting(0),
    knnWeak: setting(1),
    knnGap: setting(2),
    ridgeStrong: ridgePart(0),
    ridgeWeak: ridgePart(1),
    ridgeGap: ridgePart(2),
    ridgeStrongScale,
    ridgeWeakScale,
    knnGapScale,
    ridgeGapScale,
    featureColumns,
    featureMeans,
    featureScales,
    frequency,
    head,
    calibrationSlope,
    calibrationIntercept: gapMean - calibrationSlope * scoreMean,
    winRateScale: range / 4
  }
  const describe = (s: NeighbourSetting) => `(${s.k}, ${s.temperature})`
  return {
    model,
    report: {
      levelOne: {
        knn_s: describe(setting(0)),
        knn_w: describe(setting(1)),
        knn_g: describe(setting(2)),
        ridge_s: String(lambdas[ridgeChoice[0]!]),
        ridge_w: String(lambdas[ridgeChoice[1]!]),
        ridge_g: String(lambdas[ridgeChoice[2]!])
      },
      candidates: candidates.map((candidate, index) => ({
        name: candidate.name,
        apgr: candidateApgr[index]!
      })),
      chosen: winner.name,
      seconds: { ...seconds, total: (Date.now() - clock.start) / 1000 }
    }
  }
}
