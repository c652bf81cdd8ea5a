/**
 * Builds a win-rate router by name, as `llm-router score --router NAME [--weights PATH]
 * [--embedder NAME]` and route configs do. With no weights and no embedder, each trained router uses
 * its shipped default weights (`weights/<router>-default.json`) and the embedder its manifest names:
 * everything offline.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import { makeEmbedder } from "../embeddings/EmbedderRegistry.ts"
import * as ClassifierRouter from "./ClassifierRouter.ts"
import * as KeywordWinRate from "./KeywordWinRate.ts"
import * as KnnLogisticRouter from "./KnnLogisticRouter.ts"
import * as KnnLogisticWeights from "./KnnLogisticWeights.ts"
import * as KnnRidgeRouter from "./KnnRidgeRouter.ts"
import * as KnnRouter from "./KnnRouter.ts"
import * as RouteLLMCheckpoint from "./RouteLLMCheckpoint.ts"
import * as MatrixFactorizationRouter from "./MatrixFactorizationRouter.ts"
import * as RandomRouter from "./RandomRouter.ts"
import * as SimilarityWeightedRouter from "./SimilarityWeightedRouter.ts"
import * as TokenCountWinRate from "./TokenCountWinRate.ts"
import * as Weights from "./Weights.ts"
import { RouterError } from "./WinRateRouter.ts"
import type { WinRateRouter } from "./WinRateRouter.ts"

/**
 * Router names this registry builds.
 *
 * @since 0.1.0
 */
export const routerNames = [
  "mf",
  "sw_ranking",
  "classifier",
  "knn",
  "knn_ridge",
  "knn_logistic",
  "random",
  "token-count",
  "keyword"
] as const

/**
 * A router name.
 *
 * @since 0.1.0
 */
export type RouterName = (typeof routerNames)[number]

/**
 * Options of {@link makeRouter}.
 *
 * @since 0.1.0
 */
export interface RouterOptions {
  /** Weights manifest (`.json`); for `mf` also RouteLLM's `.safetensors`; for `classifier` also a bare `.onnx`. */
  readonly weights?: string
  /** Embedder name (see `EmbedderRegistry`); default: the one the weights' manifest names. */
  readonly embedder?: string
  readonly strongModel?: string
  readonly weakModel?: string
  /** Seed of the random router. */
  readonly seed?: number
}

/**
 * Path of a router's shipped default weights manifest.
 *
 * @since 0.1.0
 */
export const defaultWeightsPath = (router: string): string =>
  join(Weights.shippedWeightsDir, `${router}-default.json`)

const routerError = (router: string, reason: RouterError["reason"], message: string, cause?: unknown) =>
  new RouterError({ router, reason, message, cause })

const resolveEmbedder = (
  router: string,
  options: RouterOptions,
  manifest?: Weights.WeightsManifest
): Effect.Effect<EmbedderShape, RouterError> => {
  const name = options.embedder ?? manifest?.embedder
  if (name === undefined)
    return Effect.fail(
      routerError(router, "InvalidInput", `router "${router}" needs an embedder: pass --embedder NAME`)
    )
  const build = (embedderName: string) =>
    Effect.mapError(makeEmbedder(embedderName), (cause) =>
      routerError(
        router,
        "EmbeddingFailed",
        `cannot build embedder "${embedderName}": ${cause.message}`,
        cause
      )
    )
  const trainedWith = manifest?.embedder
  if (options.embedder === undefined || trainedWith === undefined || options.embedder === trainedWith)
    return build(name)
  // Names differ in spelling only when both build the same embedder (`hashing` is `hashing-512`, the
  // shipped `static+hashing` is recorded as `static+hashing-512`); vectors of another embedder live in
  // a different space, and the weights would silently mean nothing.
  return Effect.flatMap(build(options.embedder), (embedder) =>
    Effect.flatMap(
      embedder.name === trainedWith
        ? Effect.succeed(true)
        : Effect.match(makeEmbedder(trainedWith), {
            onFailure: () => false,
            onSuccess: (trained) => trained.name === embedder.name
          }),
      (same) =>
        same
          ? Effect.succeed(embedder)
          : Effect.fail(
              routerError(
                router,
                "InvalidInput",
                `these ${router} weights were trained with embedder "${trainedWith}", not "${options.embedder}": omit --embedder or retrain with llm-router train`
              )
            )
    )
  )
}

const loadManifest = (router: string, path: string) =>
  Effect.mapError(Weights.loadWeights(path), (cause) =>
    routerError(router, "InvalidWeights", cause.message, cause)
  )

/**
 * The strong and weak model a router compares: given ones first, else the ones the weights were
 * trained for. Weights that name neither are refused rather than completed with a default pair,
 * which may not even be among their models.
 */
const pair = (
  router: string,
  options: RouterOptions,
  weights: Weights.LoadedWeights
): Effect.Effect<{ readonly strongModel: string; readonly weakModel: string }, RouterError> => {
  const strongModel = options.strongModel ?? weights.manifest.strongModel
  const weakModel = options.weakModel ?? weights.manifest.weakModel
  if (strongModel === undefined || weakModel === undefined)
    return Effect.fail(
      routerError(
        router,
        "InvalidWeights",
        `${router} weights ${weights.path} name no ${strongModel === undefined ? "strongModel" : "weakModel"}: the manifest must say which two models the router compares (as llm-router train writes it)`
      )
    )
  return Effect.succeed({ strongModel, weakModel })
}

/**
 * Routers trained on one pair's labels (knn, knn_ridge, knn_logistic, classifier) can only answer
 * for that pair: a different strong or weak model asked for is refused rather than silently
 * ignored. `mf` and `sw_ranking` hold every model and take any pair (see {@link pair}).
 */
const fixedPair = (
  router: string,
  options: RouterOptions,
  manifest:
    { readonly strongModel?: string | undefined; readonly weakModel?: string | undefined } | undefined,
  source: string
): Effect.Effect<void, RouterError> => {
  const asked = [
    ["strong", options.strongModel, manifest?.strongModel],
    ["weak", options.weakModel, manifest?.weakModel]
  ] as const
  const wrong = asked.filter(([, wanted, trained]) => wanted !== undefined && wanted !== trained)
  if (wrong.length === 0) return Effect.void
  const trainedFor =
    manifest?.strongModel !== undefined && manifest.weakModel !== undefined
      ? `were trained for ${manifest.strongModel} (strong) vs ${manifest.weakModel} (weak)`
      : "name no model pair"
  return Effect.fail(
    routerError(
      router,
      "InvalidInput",
      `${router} ${source} ${trainedFor}, so it cannot route ${wrong.map(([side, wanted]) => `${side} model ${wanted}`).join(" and ")}: it learnt one pair's labels. Use mf or sw_ranking (any pair of the models they were trained on), or train ${router} on your pair`
    )
  )
}

const makeMatrixFactorization = Effect.fn("RouterRegistry.mf")(function* (options: RouterOptions) {
  const path = options.weights ?? defaultWeightsPath("mf")
  if (path.endsWith(".safetensors")) {
    const bytes = yield* Effect.try({
      try: () => new Uint8Array(readFileSync(path)),
      catch: (cause) => routerError("mf", "InvalidWeights", `cannot read checkpoint ${path}`, cause)
    })
    const model = yield* Effect.mapError(RouteLLMCheckpoint.load(bytes, path), (cause) =>
      routerError("mf", "InvalidWeights", cause.message, cause)
    )
    const embedder = yield* resolveEmbedder("mf", { ...options, embedder: options.embedder ?? "openai" })
    return yield* MatrixFactorizationRouter.make({
      model,
      embedder,
      strongModel: options.strongModel ?? "gpt-4-1106-preview",
      weakModel: options.weakModel ?? "mixtral-8x7b-instruct-v0.1"
    })
  }
  const weights = yield* loadManifest("mf", path)
  const model = yield* Effect.mapError(MatrixFactorizationRouter.fromWeights(weights), (cause) =>
    routerError("mf", "InvalidWeights", cause.message, cause)
  )
  const models = yield* pair("mf", options, weights)
  const embedder = yield* resolveEmbedder("mf", options, weights.manifest)
  return yield* MatrixFactorizationRouter.make({ model, embedder, ...models })
})

const makeKnn = Effect.fn("RouterRegistry.knn")(function* (options: RouterOptions) {
  const weights = yield* loadManifest("knn", options.weights ?? defaultWeightsPath("knn"))
  const { index, k } = yield* Effect.mapError(KnnRouter.fromWeights(weights), (cause) =>
    routerError("knn", "InvalidWeights", cause.message, cause)
  )
  yield* fixedPair("knn", options, weights.manifest, `weights ${weights.path}`)
  const embedder = yield* resolveEmbedder("knn", options, weights.manifest)
  return yield* KnnRouter.make({ embedder, index, k })
})

const makeKnnRidge = Effect.fn("RouterRegistry.knn_ridge")(function* (options: RouterOptions) {
  const weights = yield* loadManifest("knn_ridge", options.weights ?? defaultWeightsPath("knn_ridge"))
  const model = yield* Effect.mapError(KnnRidgeRouter.fromWeights(weights), (cause) =>
    routerError("knn_ridge", "InvalidWeights", cause.message, cause)
  )
  yield* fixedPair("knn_ridge", options, weights.manifest, `weights ${weights.path}`)
  const embedder = yield* resolveEmbedder("knn_ridge", options, weights.manifest)
  return yield* KnnRidgeRouter.make({ model, embedder })
})

const makeKnnLogistic = Effect.fn("RouterRegistry.knn_logistic")(function* (options: RouterOptions) {
  // No shipped default: the router is trained on the user's own data (or a benchmark).
  if (options.weights === undefined)
    return yield* routerError(
      "knn_logistic",
      "InvalidInput",
      `router "knn_logistic" has no shipped default weights: train them with llm-router train --router knn_logistic --data FILE.jsonl --output knn_logistic.json, then pass --weights knn_logistic.json`
    )
  const weights = yield* loadManifest("knn_logistic", options.weights)
  const model = yield* Effect.mapError(KnnLogisticWeights.fromWeights(weights), (cause) =>
    routerError("knn_logistic", "InvalidWeights", cause.message, cause)
  )
  yield* fixedPair("knn_logistic", options, weights.manifest, `weights ${weights.path}`)
  const embedder = yield* resolveEmbedder("knn_logistic", options, weights.manifest)
  return yield* KnnLogisticRouter.make({ model, embedder })
})

const makeSimilarityWeighted = Effect.fn("RouterRegistry.sw_ranking")(function* (options: RouterOptions) {
  const weights = yield* loadManifest("sw_ranking", options.weights ?? defaultWeightsPath("sw_ranking"))
  const battles = yield* Effect.mapError(SimilarityWeightedRouter.fromWeights(weights), (cause) =>
    routerError("sw_ranking", "InvalidWeights", cause.message, cause)
  )
  const models = yield* pair("sw_ranking", options, weights)
  const embedder = yield* resolveEmbedder("sw_ranking", options, weights.manifest)
  return yield* SimilarityWeightedRouter.make({ embedder, battles, ...models })
})

const makeClassifier = Effect.fn("RouterRegistry.classifier")(function* (options: RouterOptions) {
  const path = options.weights ?? defaultWeightsPath("classifier")
  if (path.endsWith(".onnx")) {
    yield* fixedPair("classifier", options, undefined, `model ${path} (a bare ONNX file)`)
    const embedder = yield* resolveEmbedder("classifier", options)
    return yield* ClassifierRouter.make({ embedder, model: path })
  }
  const weights = yield* loadManifest("classifier", path)
  if (weights.manifest.router !== "classifier")
    return yield* routerError(
      "classifier",
      "InvalidWeights",
      `weights ${path} are for router "${weights.manifest.router}", not "classifier"`
    )
  const onnx = weights.manifest.extra?.["onnx"]
  if (typeof onnx !== "string")
    return yield* routerError(
      "classifier",
      "InvalidWeights",
      `classifier manifest ${path} names no ONNX file (extra.onnx)`
    )
  yield* fixedPair("classifier", options, weights.manifest, `weights ${path}`)
  const embedder = yield* resolveEmbedder("classifier", options, weights.manifest)
  return yield* ClassifierRouter.make({ embedder, model: join(dirname(path), onnx) })
})

// The heuristics read neither weights nor embeddings: ignoring them would hide a wrong --router.
const untrained = (router: string, options: RouterOptions): Effect.Effect<void, RouterError> => {
  const given = [
    ...(options.weights === undefined ? [] : [`weights ${options.weights}`]),
    ...(options.embedder === undefined ? [] : [`embedder ${options.embedder}`])
  ]
  return given.length === 0
    ? Effect.void
    : Effect.fail(
        routerError(
          router,
          "InvalidInput",
          `router "${router}" is untrained: it reads no weights and no embedder (given: ${given.join(", ")}); drop them, or pick a trained router (${routerNames.slice(0, 6).join(", ")})`
        )
      )
}

/**
 * Builds the router called `name`. Unknown names fail with `RouterError` (`InvalidInput`) listing
 * the known ones; unusable weights fail with `InvalidWeights` naming the file and the problem.
 *
 * @example
 * import { Effect } from "effect"
 * import { Routers } from "effect-llm-router"
 * const { RouterRegistry } = Routers
 *
 * // Shipped weights and embedder, offline:
 * const winRate = Effect.flatMap(RouterRegistry.makeRouter("mf"), (router) => router.winRate("Prove that √2 is irrational"))
 *
 * @since 0.1.0
 */
export const makeRouter = (
  name: string,
  options: RouterOptions = {}
): Effect.Effect<WinRateRouter, RouterError> => {
  switch (name) {
    case "mf":
      return makeMatrixFactorization(options)
    case "knn":
      return makeKnn(options)
    case "knn_ridge":
      return makeKnnRidge(options)
    case "knn_logistic":
      return makeKnnLogistic(options)
    case "sw_ranking":
      return makeSimilarityWeighted(options)
    case "classifier":
      return makeClassifier(options)
    case "random":
      return Effect.as(untrained(name, options), RandomRouter.make({ seed: options.seed ?? 0 }))
    case "token-count":
      return Effect.as(untrained(name, options), TokenCountWinRate.make())
    case "keyword":
      return Effect.as(untrained(name, options), KeywordWinRate.make())
    default:
      return Effect.fail(
        routerError(
          name,
          "InvalidInput",
          `unknown router "${name}"; known routers: ${routerNames.join(", ")}`
        )
      )
  }
}
