/**
 * RouteLLM's matrix-factorisation router: every model has an embedding, the prompt embedding is
 * projected into the same space, and a model's score is a linear function of their product; the
 * win rate of the strong model over the weak one is the sigmoid of the score difference.
 *
 * Here `score(m, x) = bias[m] + modelVectors[m] · (projection x)`. Training ({@link fit}) is a
 * reduced-rank ridge regression of every model's scores on the prompt embedding: all models of the
 * training data inform the shared projection (the point of MF), and a rank of 1–2 keeps what
 * transfers (how hard a prompt is) rather than what does not (which exam subject it comes from).
 * RouteLLM's released `mf_gpt4_augmented` checkpoint maps onto the same form (`RouteLLMCheckpoint`).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import * as LinearAlgebra from "./LinearAlgebra.ts"
import { embedPrompt, samePairError, sigmoid } from "./RouterSupport.ts"
import * as Weights from "./Weights.ts"
import { RouterError } from "./WinRateRouter.ts"
import type { QualityRouter, WinRateRouter } from "./WinRateRouter.ts"

/**
 * The parameters of a matrix-factorisation model.
 *
 * @since 0.1.0
 */
export interface MatrixFactorizationModel {
  readonly models: ReadonlyArray<string>
  /** Embedding length the projection expects. */
  readonly inputDimension: number
  /** Size of the shared space. */
  readonly rank: number
  /** rank × inputDimension, row-major. */
  readonly projection: Float32Array
  /** models × rank, row-major. */
  readonly modelVectors: Float32Array
  /** One per model. */
  readonly modelBias: Float32Array
}

/**
 * Predicted score of every model for one prompt embedding.
 *
 * @since 0.1.0
 */
export const scores = (model: MatrixFactorizationModel, embedding: ArrayLike<number>): Float64Array => {
  const { inputDimension: d, rank: k } = model
  const latent = new Float64Array(k)
  for (let r = 0; r < k; r++) {
    let sum = 0
    const offset = r * d
    for (let i = 0; i < d; i++) sum += model.projection[offset + i]! * embedding[i]!
    latent[r] = sum
  }
  const out = new Float64Array(model.models.length)
  for (let m = 0; m < model.models.length; m++) {
    let sum = model.modelBias[m]!
    for (let r = 0; r < k; r++) sum += model.modelVectors[m * k + r]! * latent[r]!
    out[m] = sum
  }
  return out
}

/**
 * The score difference of two models as one linear function of the embedding:
 * `score(strong) − score(weak) = offset + direction · x`. The win rate then costs one dot product
 * and no allocation per request.
 *
 * @since 0.1.0
 */
export const pairDirection = (
  model: MatrixFactorizationModel,
  strong: number,
  weak: number
): { readonly direction: Float64Array; readonly offset: number } => {
  const { inputDimension: d, rank: k } = model
  const direction = new Float64Array(d)
  for (let r = 0; r < k; r++) {
    const weight = model.modelVectors[strong * k + r]! - model.modelVectors[weak * k + r]!
    for (let i = 0; i < d; i++) direction[i]! += weight * model.projection[r * d + i]!
  }
  return { direction, offset: model.modelBias[strong]! - model.modelBias[weak]! }
}

/**
 * Training options for {@link fit}.
 *
 * @since 0.1.0
 */
export interface FitOptions {
  /** Dimension of the shared model/prompt space. Default 1. */
  readonly rank?: number
  /** Ridge penalty on the projection. Default 10. */
  readonly lambda?: number
}

/**
 * Fits one model per `(rank, lambda)` of a grid by reduced-rank ridge regression: ridge from
 * embeddings to every model's centred score (missing scores imputed with the model's mean), then the
 * fitted outputs are restricted to their top-`rank` principal directions across models. The Gram
 * matrix is computed once for the whole grid. Deterministic.
 *
 * @since 0.1.0
 */
export const fitGrid = (
  embeddings: ReadonlyArray<ArrayLike<number>>,
  targets: ReadonlyArray<Readonly<Record<string, number>>>,
  models: ReadonlyArray<string>,
  grid: ReadonlyArray<FitOptions>
): Array<MatrixFactorizationModel> => {
  const d = embeddings[0]?.length ?? 0
  const n = embeddings.length
  const m = models.length
  const means = models.map((name) => {
    const values = targets.map((row) => row[name]).filter((value): value is number => value !== undefined)
    return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length
  })
  const x = LinearAlgebra.fromRows(
    embeddings.map((row) => [...Array.from(row), 1]),
    d + 1
  )
  const y = LinearAlgebra.fromRows(
    targets.map((row) => models.map((name, index) => (row[name] ?? means[index]!) - means[index]!)),
    m
  )
  const baseGram = LinearAlgebra.gram(x, 0, 1)
  const xty = LinearAlgebra.transposeTimes(x, y)
  const solved = new Map<number, { coefficients: LinearAlgebra.Matrix; vectors: LinearAlgebra.Matrix }>()
  const solve = (lambda: number) => {
    const cached = solved.get(lambda)
    if (cached !== undefined) return cached
    const gram = { ...baseGram, data: Float64Array.from(baseGram.data) }
    for (let i = 0; i < d; i++) gram.data[i * (d + 1) + i]! += lambda
    const coefficients = LinearAlgebra.solveSpd(gram, xty)
    const fitted = LinearAlgebra.multiply(x, coefficients)
    const columnMeans = new Float64Array(m)
    for (let row = 0; row < n; row++)
      for (let c = 0; c < m; c++) columnMeans[c]! += fitted.data[row * m + c]! / n
    for (let row = 0; row < n; row++) for (let c = 0; c < m; c++) fitted.data[row * m + c]! -= columnMeans[c]!
    const { vectors } = LinearAlgebra.symmetricEigen(LinearAlgebra.transposeTimes(fitted, fitted))
    const result = { coefficients, vectors }
    solved.set(lambda, result)
    return result
  }
  return grid.map((options) => {
    const rank = Math.min(options.rank ?? 1, m)
    const { coefficients, vectors } = solve(options.lambda ?? 10)
    // Sign convention: each factor points towards the models whose scores rise with it on average.
    const modelVectors = new Float32Array(m * rank)
    for (let r = 0; r < rank; r++) {
      let loading = 0
      for (let c = 0; c < m; c++) loading += vectors.data[c * m + r]!
      const sign = loading < 0 ? -1 : 1
      for (let c = 0; c < m; c++) modelVectors[c * rank + r] = sign * vectors.data[c * m + r]!
    }
    const projection = new Float32Array(rank * d)
    const interceptLatent = new Float64Array(rank)
    for (let r = 0; r < rank; r++) {
      for (let i = 0; i <= d; i++) {
        let sum = 0
        for (let c = 0; c < m; c++) sum += coefficients.data[i * m + c]! * modelVectors[c * rank + r]!
        if (i < d) projection[r * d + i] = sum
        else interceptLatent[r] = sum
      }
    }
    const modelBias = new Float32Array(m)
    for (let c = 0; c < m; c++) {
      let sum = means[c]!
      for (let r = 0; r < rank; r++) sum += modelVectors[c * rank + r]! * interceptLatent[r]!
      modelBias[c] = sum
    }
    return { models, inputDimension: d, rank, projection, modelVectors, modelBias }
  })
}

/**
 * Fits one model (see {@link fitGrid}).
 *
 * @since 0.1.0
 */
export const fit = (
  embeddings: ReadonlyArray<ArrayLike<number>>,
  targets: ReadonlyArray<Readonly<Record<string, number>>>,
  models: ReadonlyArray<string>,
  options: FitOptions = {}
): MatrixFactorizationModel => fitGrid(embeddings, targets, models, [options])[0]!

/**
 * Builds the router from a model and the embedder it was trained with. Fails with `RouterError`
 * (`InvalidInput`) when the strong or weak model is unknown to the model or the embedder's dimension
 * differs from the model's input.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings, Routers } from "effect-llm-router"
 * const { HashingEmbedder } = Embeddings
 * const { MatrixFactorizationRouter } = Routers
 *
 * const router = MatrixFactorizationRouter.make({
 *   model, // from MatrixFactorizationRouter.fit or .load
 *   embedder: HashingEmbedder.make(),
 *   strongModel: "gpt-4-1106-preview",
 *   weakModel: "mistralai/Mixtral-8x7B-Instruct-v0.1"
 * })
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly model: MatrixFactorizationModel
  readonly embedder: EmbedderShape
  readonly strongModel: string
  readonly weakModel: string
  readonly name?: string
}): Effect.Effect<WinRateRouter & QualityRouter, RouterError> => {
  const name = options.name ?? "mf"
  const { embedder, model } = options
  const strong = model.models.indexOf(options.strongModel)
  const weak = model.models.indexOf(options.weakModel)
  const samePair = samePairError(name, options.strongModel, options.weakModel)
  if (samePair !== undefined) return Effect.fail(samePair)
  if (strong < 0 || weak < 0) {
    return Effect.fail(
      new RouterError({
        router: name,
        reason: "InvalidInput",
        message: `model "${strong < 0 ? options.strongModel : options.weakModel}" is not among the MF model's ${model.models.length} models (${model.models.slice(0, 8).join(", ")}${model.models.length > 8 ? ", ..." : ""})`
      })
    )
  }
  if (embedder.dimension !== model.inputDimension) {
    return Effect.fail(
      new RouterError({
        router: name,
        reason: "InvalidWeights",
        message: `MF model expects ${model.inputDimension}-d embeddings but embedder ${embedder.name} gives ${embedder.dimension}-d`
      })
    )
  }
  const predictScores = (prompt: string) =>
    Effect.map(embedPrompt(name, embedder, prompt), (embedding) => scores(model, embedding))
  const { direction, offset } = pairDirection(model, strong, weak)
  return Effect.succeed({
    name,
    models: model.models,
    winRate: (prompt: string) =>
      Effect.map(embedPrompt(name, embedder, prompt), (embedding) => {
        let sum = offset
        for (let i = 0; i < direction.length; i++) sum += direction[i]! * embedding[i]!
        return sigmoid(sum)
      }),
    predict: (prompt: string) =>
      Effect.map(predictScores(prompt), (predicted) =>
        Object.fromEntries(model.models.map((modelName, index) => [modelName, predicted[index]!]))
      )
  })
}

/**
 * Saves a model as a weights manifest plus binary tensors.
 *
 * @since 0.1.0
 */
export const save = (
  manifestPath: string,
  model: MatrixFactorizationModel,
  metadata: Omit<Weights.WeightsManifest, "format" | "tensors" | "file" | "router" | "models">
) =>
  Weights.saveWeights(manifestPath, { ...metadata, router: "mf", models: model.models }, [
    { name: "projection", shape: [model.rank, model.inputDimension], data: model.projection },
    { name: "modelVectors", shape: [model.models.length, model.rank], data: model.modelVectors },
    { name: "modelBias", shape: [model.models.length], data: model.modelBias }
  ])

/**
 * Reads an MF model from loaded weights, checking every tensor's shape.
 *
 * @since 0.1.0
 */
export const fromWeights = Effect.fn("MatrixFactorizationRouter.fromWeights")(function* (
  weights: Weights.LoadedWeights
) {
  const { manifest } = weights
  if (manifest.router !== "mf") {
    return yield* new Weights.WeightsError({
      path: weights.path,
      reason: "WrongRouter",
      message: `weights ${weights.path} are for router "${manifest.router}", not "mf"`
    })
  }
  const models = manifest.models ?? []
  if (models.length === 0)
    return yield* new Weights.WeightsError({
      path: weights.path,
      reason: "InvalidManifest",
      message: `MF weights ${weights.path} list no models`
    })
  const projectionShape = weights.tensors.get("projection")?.shape ?? []
  const [rank = 0, inputDimension = 0] = projectionShape
  const projection = yield* Weights.tensor(weights, "projection", [rank, inputDimension])
  const modelVectors = yield* Weights.tensor(weights, "modelVectors", [models.length, rank])
  const modelBias = yield* Weights.tensor(weights, "modelBias", [models.length])
  return {
    models,
    inputDimension,
    rank,
    projection,
    modelVectors,
    modelBias
  } satisfies MatrixFactorizationModel
})
