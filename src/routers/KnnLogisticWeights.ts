/**
 * Weights of the `knn_logistic` router (`KnnLogisticRouter`): the schema of the manifest's `extra`,
 * saving a fitted model, and reading one back with every tensor and field checked.
 *
 * @since 0.1.0
 */
import { Effect, Either, Schema } from "effect"
import * as KnnLogisticRouter from "./KnnLogisticRouter.ts"
import type { KnnLogisticModel } from "./KnnLogisticRouter.ts"
import * as PromptFeatures from "./PromptFeatures.ts"
import * as Weights from "./Weights.ts"

const Setting = Schema.Struct({
  k: Schema.Int.pipe(Schema.positive()),
  temperature: Schema.Number.pipe(Schema.nonNegative())
})
const Scale = Schema.Struct({ mean: Schema.Number, scale: Schema.Number.pipe(Schema.positive()) })
const Finite = Schema.Number.pipe(Schema.finite())

/**
 * The router-specific part of a `knn_logistic` manifest (`extra`).
 *
 * @since 0.1.0
 */
export const KnnLogisticExtra = Schema.Struct({
  scoreLow: Finite,
  scoreHigh: Finite,
  knnStrong: Setting,
  knnWeak: Setting,
  knnGap: Setting,
  ridgeOffsets: Schema.Tuple(Finite, Finite, Finite),
  ridgeStrongScale: Scale,
  ridgeWeakScale: Scale,
  knnGapScale: Scale,
  ridgeGapScale: Scale,
  groupNames: Schema.Array(Schema.String),
  featureColumns: Schema.Array(Schema.Int.pipe(Schema.between(0, PromptFeatures.featureNames.length - 1))),
  featureMeans: Schema.Array(Finite),
  featureScales: Schema.Array(Schema.Number.pipe(Schema.positive())),
  documents: Schema.Int.pipe(Schema.nonNegative()),
  documentFrequency: Schema.Record({ key: Schema.String, value: Schema.Int.pipe(Schema.positive()) }),
  head: Schema.Union(
    Schema.Struct({
      kind: Schema.Literal("L", "LS"),
      l2: Finite,
      strongWins: Schema.Array(Finite),
      weakWins: Schema.Array(Finite)
    }),
    Schema.Struct({ kind: Schema.Literal("base"), alpha: Schema.Number.pipe(Schema.between(0, 1)) })
  ),
  calibrationSlope: Finite,
  calibrationIntercept: Finite,
  winRateScale: Schema.Number.pipe(Schema.positive())
})

/**
 * Saves a model as weights (`router: "knn_logistic"`): examples as float16, scores, gaps, groups
 * and ridge directions as float32 tensors; settings, standardisation, logistic weights and the
 * document-frequency table in `extra`.
 *
 * @since 0.1.0
 */
export const save = (
  manifestPath: string,
  model: KnnLogisticModel,
  metadata: Omit<Weights.WeightsManifest, "format" | "tensors" | "file" | "router">
) => {
  const count = model.gaps.length
  const d = model.dimension
  const ridge = new Float32Array(3 * d)
  ridge.set(model.ridgeStrong.direction, 0)
  ridge.set(model.ridgeWeak.direction, d)
  ridge.set(model.ridgeGap.direction, 2 * d)
  const extra: typeof KnnLogisticExtra.Encoded = {
    scoreLow: model.scoreLow,
    scoreHigh: model.scoreHigh,
    knnStrong: model.knnStrong,
    knnWeak: model.knnWeak,
    knnGap: model.knnGap,
    ridgeOffsets: [model.ridgeStrong.offset, model.ridgeWeak.offset, model.ridgeGap.offset],
    ridgeStrongScale: model.ridgeStrongScale,
    ridgeWeakScale: model.ridgeWeakScale,
    knnGapScale: model.knnGapScale,
    ridgeGapScale: model.ridgeGapScale,
    groupNames: model.groupNames,
    featureColumns: model.featureColumns,
    featureMeans: model.featureMeans,
    featureScales: model.featureScales,
    documents: model.frequency.documents,
    documentFrequency: Object.fromEntries(model.frequency.counts),
    head:
      model.head.kind === "base"
        ? model.head
        : {
            kind: model.head.kind,
            l2: model.head.l2,
            strongWins: Array.from(model.head.strongWins),
            weakWins: Array.from(model.head.weakWins)
          },
    calibrationSlope: model.calibrationSlope,
    calibrationIntercept: model.calibrationIntercept,
    winRateScale: model.winRateScale
  }
  return Weights.saveWeights(
    manifestPath,
    {
      ...metadata,
      router: "knn_logistic",
      hyperParameters: { ...metadata.hyperParameters, ...KnnLogisticRouter.hyperParameters(model) },
      extra: { ...metadata.extra, ...extra }
    },
    [
      { name: "examples", shape: [count, d], data: model.examples, dtype: "float16" },
      { name: "strongScores", shape: [count], data: model.strongScores },
      { name: "weakScores", shape: [count], data: model.weakScores },
      { name: "gaps", shape: [count], data: model.gaps },
      { name: "groups", shape: [count], data: Float32Array.from(model.groups) },
      { name: "ridgeDirections", shape: [3, d], data: ridge }
    ]
  )
}

/**
 * Reads a model from loaded weights, checking every tensor's shape, the `extra` fields against
 * {@link KnnLogisticExtra}, and that they agree with each other (group indices, feature columns,
 * logistic weights of the right width).
 *
 * @since 0.1.0
 */
export const fromWeights = Effect.fn("KnnLogisticWeights.fromWeights")(function* (
  weights: Weights.LoadedWeights
) {
  const { manifest, path } = weights
  const invalid = (problem: string) =>
    new Weights.WeightsError({
      path,
      reason: "InvalidManifest",
      message: `knn_logistic weights ${path}: ${problem}`
    })
  if (manifest.router !== "knn_logistic") {
    return yield* new Weights.WeightsError({
      path,
      reason: "WrongRouter",
      message: `weights ${path} are for router "${manifest.router}", not "knn_logistic"`
    })
  }
  const decoded = Schema.decodeUnknownEither(KnnLogisticExtra)(manifest.extra ?? {})
  if (Either.isLeft(decoded))
    return yield* invalid(`extra does not match the knn_logistic schema: ${decoded.left.message}`)
  const extra = decoded.right
  const [count = 0, dimension = 0] =
    weights.tensors.get("examples")?.shape ?? weights.halfTensors.get("examples")?.shape ?? []
  const examples = yield* Weights.tensor(weights, "examples", [count, dimension])
  const strongScores = yield* Weights.tensor(weights, "strongScores", [count])
  const weakScores = yield* Weights.tensor(weights, "weakScores", [count])
  const gaps = yield* Weights.tensor(weights, "gaps", [count])
  const groupValues = yield* Weights.tensor(weights, "groups", [count])
  const ridge = yield* Weights.tensor(weights, "ridgeDirections", [3, dimension])
  if (count === 0) return yield* invalid("no examples")
  const groupCount = extra.groupNames.length
  const groups = Int32Array.from(groupValues)
  if (
    groupValues.some(
      (value, index) =>
        value !== groups[index] || value < 0 || (groupCount > 0 ? value >= groupCount : value !== 0)
    )
  )
    return yield* invalid(`tensor "groups" must hold group indices below ${Math.max(groupCount, 1)}`)
  const m = extra.featureColumns.length
  if (extra.featureMeans.length !== m || extra.featureScales.length !== m)
    return yield* invalid(`featureColumns, featureMeans and featureScales must have the same length (${m})`)
  const { head } = extra
  if (head.kind !== "base") {
    const width = 6 + 3 * m + (head.kind === "LS" ? groupCount : 0) + 1
    if (head.strongWins.length !== width || head.weakWins.length !== width)
      return yield* invalid(
        `head ${head.kind} needs ${width} logistic weights per class, found ${head.strongWins.length} and ${head.weakWins.length}`
      )
    if (head.kind === "LS" && groupCount < 2) return yield* invalid("head LS needs at least 2 groupNames")
  }
  return {
    dimension,
    examples,
    strongScores,
    weakScores,
    gaps,
    groups,
    groupNames: extra.groupNames,
    scoreLow: extra.scoreLow,
    scoreHigh: extra.scoreHigh,
    knnStrong: extra.knnStrong,
    knnWeak: extra.knnWeak,
    knnGap: extra.knnGap,
    ridgeStrong: { direction: ridge.slice(0, dimension), offset: extra.ridgeOffsets[0] },
    ridgeWeak: { direction: ridge.slice(dimension, 2 * dimension), offset: extra.ridgeOffsets[1] },
    ridgeGap: { direction: ridge.slice(2 * dimension), offset: extra.ridgeOffsets[2] },
    ridgeStrongScale: extra.ridgeStrongScale,
    ridgeWeakScale: extra.ridgeWeakScale,
    knnGapScale: extra.knnGapScale,
    ridgeGapScale: extra.ridgeGapScale,
    featureColumns: extra.featureColumns,
    featureMeans: extra.featureMeans,
    featureScales: extra.featureScales,
    frequency: { documents: extra.documents, counts: new Map(Object.entries(extra.documentFrequency)) },
    head:
      head.kind === "base"
        ? head
        : {
            kind: head.kind,
            l2: head.l2,
            strongWins: Float64Array.from(head.strongWins),
            weakWins: Float64Array.from(head.weakWins)
          },
    calibrationSlope: extra.calibrationSlope,
    calibrationIntercept: extra.calibrationIntercept,
    winRateScale: extra.winRateScale
  } satisfies KnnLogisticModel
})
