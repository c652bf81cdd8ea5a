/**
 * Weights of the `knn_logistic` router (`KnnLogisticRouter`): the schema of the manifest's `extra`,
 * saving a fitted model, and reading one back with every tensor and field checked.
 *
 * @since 0.1.0
 */
import { Effect, Either, Schema } from "effect"
import * as KnnLogisticRouter from "./KnnLogisticRouter.ts"
import type {
  Head,
  KnnLogisticModel,
  LogisticHead as LogisticHeadModel,
  MlpHead as MlpHeadModel
} from "./KnnLogisticRouter.ts"
import * as PromptFeatures from "./PromptFeatures.ts"
import * as SoftmaxMlp from "./SoftmaxMlp.ts"
import * as Weights from "./Weights.ts"

const Setting = Schema.Struct({
  k: Schema.Int.pipe(Schema.positive()),
  temperature: Schema.Number.pipe(Schema.nonNegative())
})
const Scale = Schema.Struct({ mean: Schema.Number, scale: Schema.Number.pipe(Schema.positive()) })
const Finite = Schema.Number.pipe(Schema.finite())
const LogisticHead = Schema.Struct({
  kind: Schema.Literal("L", "LS"),
  l2: Finite,
  strongWins: Schema.Array(Finite),
  weakWins: Schema.Array(Finite)
})
// The networks' parameters are the rows of the tensor "mlp".
const MlpHead = Schema.Struct({
  kind: Schema.Literal("M"),
  hidden: Schema.Int.pipe(Schema.positive()),
  l2: Finite,
  epochs: Schema.Int.pipe(Schema.positive()),
  networks: Schema.Int.pipe(Schema.positive())
})

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
    LogisticHead,
    MlpHead,
    Schema.Struct({
      kind: Schema.Literal("E"),
      logistic: LogisticHead,
      mlp: MlpHead,
      logisticScale: Scale,
      mlpScale: Scale
    }),
    Schema.Struct({ kind: Schema.Literal("base"), alpha: Schema.Number.pipe(Schema.between(0, 1)) })
  ),
  calibrationSlope: Finite,
  calibrationIntercept: Finite,
  winRateScale: Schema.Number.pipe(Schema.positive())
})

type HeadEncoded = (typeof KnnLogisticExtra.Encoded)["head"]

const encodeLogistic = (head: LogisticHeadModel) => ({
  kind: head.kind,
  l2: head.l2,
  strongWins: Array.from(head.strongWins),
  weakWins: Array.from(head.weakWins)
})

const encodeMlp = (head: MlpHeadModel) => ({
  kind: head.kind,
  hidden: head.hidden,
  l2: head.l2,
  epochs: head.epochs,
  networks: head.networks.length
})

const encodeHead = (head: Head): HeadEncoded => {
  switch (head.kind) {
    case "base":
      return head
    case "L":
    case "LS":
      return encodeLogistic(head)
    case "M":
      return encodeMlp(head)
    case "E":
      return {
        kind: "E",
        logistic: encodeLogistic(head.logistic),
        mlp: encodeMlp(head.mlp),
        logisticScale: head.logisticScale,
        mlpScale: head.mlpScale
      }
  }
}

/** The MLP networks of a head, if any. */
const networksOf = (head: Head) =>
  head.kind === "M" ? head.networks : head.kind === "E" ? head.mlp.networks : []

const mlpTensor = (networks: ReadonlyArray<SoftmaxMlp.MlpParameters>) => {
  if (networks.length === 0) return []
  const flat = networks.map(SoftmaxMlp.flatten)
  const width = flat[0]!.length
  const data = new Float32Array(networks.length * width)
  flat.forEach((values, index) => data.set(values, index * width))
  return [{ name: "mlp", shape: [networks.length, width], data }]
}

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
    head: encodeHead(model.head),
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
      { name: "ridgeDirections", shape: [3, d], data: ridge },
      ...mlpTensor(networksOf(model.head))
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
  const logisticHead = (encoded: typeof LogisticHead.Type) =>
    Effect.gen(function* () {
      const width = 6 + 3 * m + (encoded.kind === "LS" ? groupCount : 0) + 1
      if (encoded.strongWins.length !== width || encoded.weakWins.length !== width)
        return yield* invalid(
          `head ${encoded.kind} needs ${width} logistic weights per class, found ${encoded.strongWins.length} and ${encoded.weakWins.length}`
        )
      if (encoded.kind === "LS" && groupCount < 2)
        return yield* invalid("head LS needs at least 2 groupNames")
      return {
        kind: encoded.kind,
        l2: encoded.l2,
        strongWins: Float64Array.from(encoded.strongWins),
        weakWins: Float64Array.from(encoded.weakWins)
      } satisfies LogisticHeadModel
    })
  // An MLP reads the six level-1 inputs and the kept features.
  const mlpHead = (encoded: typeof MlpHead.Type) =>
    Effect.gen(function* () {
      const inputs = 6 + m
      const width = SoftmaxMlp.parameterCount(inputs, encoded.hidden)
      const flat = yield* Weights.tensor(weights, "mlp", [encoded.networks, width]).pipe(
        Effect.mapError((error) =>
          invalid(
            `head ${head.kind} (${encoded.networks} MLPs of ${encoded.hidden} hidden units over ${inputs} inputs): ${error.message}`
          )
        )
      )
      return {
        kind: encoded.kind,
        hidden: encoded.hidden,
        l2: encoded.l2,
        epochs: encoded.epochs,
        networks: Array.from({ length: encoded.networks }, (_, index) =>
          SoftmaxMlp.unflatten(flat.subarray(index * width, (index + 1) * width), inputs, encoded.hidden)
        )
      } satisfies MlpHeadModel
    })
  const decodedHead: Head =
    head.kind === "base"
      ? head
      : head.kind === "M"
        ? yield* mlpHead(head)
        : head.kind === "E"
          ? {
              kind: "E",
              logistic: yield* logisticHead(head.logistic),
              mlp: yield* mlpHead(head.mlp),
              logisticScale: head.logisticScale,
              mlpScale: head.mlpScale
            }
          : yield* logisticHead(head)
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
    head: decodedHead,
    calibrationSlope: extra.calibrationSlope,
    calibrationIntercept: extra.calibrationIntercept,
    winRateScale: extra.winRateScale
  } satisfies KnnLogisticModel
})
