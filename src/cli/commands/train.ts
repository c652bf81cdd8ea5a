/**
 * `llm-router train`: trains a router on a user's own data and writes weights plus a manifest.
 *
 * Data: JSONL, one prompt per line, either with per-model scores
 * `{"prompt": "...", "scores": {"gpt-4o": 9, "llama-3-8b": 6}}` or with a pairwise preference
 * `{"prompt": "...", "model_a": "...", "model_b": "...", "winner": "model_a" | "model_b" | "tie"}`
 * (the winner scores 1, the loser 0, a tie 0.5 each). Hyper-parameters are chosen on a seeded
 * validation split; the run is deterministic for a seed.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Data, Effect, Either, Option, Schema } from "effect"
import { readFileSync } from "node:fs"
import { makeEmbedder } from "../../embeddings/EmbedderRegistry.ts"
import type { BenchmarkItem } from "../../evaluation/Datasets.ts"
import * as Trainers from "../../evaluation/Trainers.ts"
import * as ClassifierRouter from "../../routers/ClassifierRouter.ts"
import type * as KnnLogisticRouter from "../../routers/KnnLogisticRouter.ts"
import * as KnnLogisticWeights from "../../routers/KnnLogisticWeights.ts"
import * as KnnRidgeRouter from "../../routers/KnnRidgeRouter.ts"
import * as KnnRouter from "../../routers/KnnRouter.ts"
import * as MatrixFactorizationRouter from "../../routers/MatrixFactorizationRouter.ts"
import * as SimilarityWeightedRouter from "../../routers/SimilarityWeightedRouter.ts"
import type * as Training from "../../routers/Training.ts"

/**
 * Training could not run: unreadable or malformed data, an unknown router, too little data.
 *
 * @since 0.1.0
 */
export class TrainError extends Data.TaggedError("TrainError")<{
  readonly reason: "InvalidData" | "InvalidOptions" | "Failed"
  readonly line?: number
  readonly message: string
  readonly cause?: unknown
}> {}

// `group`: an optional category of the prompt (a task type, a subject); `knn_logistic` learns a
// soft group posterior from it, the other routers ignore it.
const ScoredLine = Schema.Struct({
  prompt: Schema.String,
  group: Schema.optional(Schema.String),
  scores: Schema.Record({ key: Schema.String, value: Schema.Number })
})
const PreferenceLine = Schema.Struct({
  prompt: Schema.String,
  group: Schema.optional(Schema.String),
  model_a: Schema.String,
  model_b: Schema.String,
  winner: Schema.Literal("model_a", "model_b", "tie", "tie (bothbad)")
})
const TrainingLine = Schema.Union(ScoredLine, PreferenceLine)

/**
 * Parses training JSONL into items (failing with the number of the first bad line).
 *
 * @since 0.1.0
 */
export const parseTrainingData = (text: string): Either.Either<Array<BenchmarkItem>, TrainError> => {
  const items: Array<BenchmarkItem> = []
  const decode = Schema.decodeUnknownEither(Schema.parseJson(TrainingLine))
  const lines = text.split(/\r?\n/)
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    if (line.trim() === "") continue
    const decoded = decode(line)
    if (Either.isLeft(decoded)) {
      return Either.left(
        new TrainError({
          reason: "InvalidData",
          line: index + 1,
          message: `line ${index + 1}: expected {prompt, scores} or {prompt, model_a, model_b, winner} (each with an optional group): ${decoded.left.message}`,
          cause: decoded.left
        })
      )
    }
    const value = decoded.right
    const scores =
      "scores" in value
        ? value.scores
        : value.winner === "model_a"
          ? { [value.model_a]: 1, [value.model_b]: 0 }
          : value.winner === "model_b"
            ? { [value.model_a]: 0, [value.model_b]: 1 }
            : { [value.model_a]: 0.5, [value.model_b]: 0.5 }
    items.push({
      id: `${index + 1}`,
      prompt: value.prompt,
      scores,
      ...(value.group === undefined ? {} : { group: value.group })
    })
  }
  return Either.right(items)
}

/**
 * Options of {@link train}.
 *
 * @since 0.1.0
 */
export interface TrainOptions {
  readonly data: string
  readonly router: string
  readonly embedder: string
  readonly output: string
  readonly strongModel: string
  readonly weakModel: string
  readonly seed?: number
}

/**
 * The training program. Returns the chosen hyper-parameters.
 *
 * @since 0.1.0
 */
export const train = Effect.fn("TrainCommand.train")(function* (options: TrainOptions) {
  const trainer = Trainers.trainers.find((candidate) => candidate.name === options.router)
  if (trainer === undefined) {
    return yield* new TrainError({
      reason: "InvalidOptions",
      message: `cannot train router "${options.router}"; trainable routers: ${Trainers.trainers.map((t) => t.name).join(", ")}`
    })
  }
  const text = yield* Effect.try({
    try: () => readFileSync(options.data, "utf8"),
    catch: (cause) => new TrainError({ reason: "InvalidData", message: `cannot read ${options.data}`, cause })
  })
  const items = yield* parseTrainingData(text)
  const pairCount = items.filter(
    (item) => item.scores[options.strongModel] !== undefined && item.scores[options.weakModel] !== undefined
  ).length
  if (items.length < 10 || (trainer.name !== "mf" && trainer.name !== "sw_ranking" && pairCount < 10)) {
    return yield* new TrainError({
      reason: "InvalidData",
      message: `${options.data} has ${items.length} prompts, ${pairCount} scored for both ${options.strongModel} and ${options.weakModel}; need at least 10`
    })
  }
  const embedder = yield* Effect.mapError(
    makeEmbedder(options.embedder),
    (cause) => new TrainError({ reason: "InvalidOptions", message: cause.message, cause })
  )
  const started = Date.now()
  const embeddings: Array<Float32Array> = []
  for (let start = 0; start < items.length; start += 256) {
    const batch = yield* Effect.mapError(
      embedder.embedMany(items.slice(start, start + 256).map((item) => item.prompt)),
      (cause) => new TrainError({ reason: "Failed", message: cause.message, cause })
    )
    embeddings.push(...batch)
    process.stderr.write(`\rembedding ${embeddings.length}/${items.length}`)
  }
  process.stderr.write(`\n`)
  const models = Trainers.modelsOf(items)
  const seed = options.seed ?? 0
  const fitted = trainer.fit({
    embeddings,
    items,
    models,
    strongModel: options.strongModel,
    weakModel: options.weakModel,
    seed
  })
  const metadata = {
    embedder: embedder.name,
    strongModel: options.strongModel,
    weakModel: options.weakModel,
    training: { data: options.data, prompts: items.length, seed, seconds: (Date.now() - started) / 1000 },
    hyperParameters: fitted.hyperParameters
  }
  const fail = (cause: { readonly message: string }) =>
    new TrainError({ reason: "Failed", message: cause.message, cause })
  if (trainer.name === "mf") {
    yield* Effect.mapError(
      MatrixFactorizationRouter.save(
        options.output,
        fitted.model as MatrixFactorizationRouter.MatrixFactorizationModel,
        metadata
      ),
      fail
    )
  } else if (trainer.name === "sw_ranking") {
    yield* Effect.mapError(
      SimilarityWeightedRouter.save(
        options.output,
        SimilarityWeightedRouter.index(
          embeddings,
          items.map((item) => item.scores),
          models
        ),
        metadata
      ),
      fail
    )
  } else if (trainer.name === "knn_ridge") {
    yield* Effect.mapError(
      KnnRidgeRouter.save(options.output, fitted.model as KnnRidgeRouter.KnnRidgeModel, metadata),
      fail
    )
  } else if (trainer.name === "knn_logistic") {
    yield* Effect.mapError(
      KnnLogisticWeights.save(options.output, fitted.model as KnnLogisticRouter.KnnLogisticModel, metadata),
      fail
    )
  } else if (trainer.name === "knn") {
    const labelled = items.flatMap((item, index) => {
      const strong = item.scores[options.strongModel]
      const weak = item.scores[options.weakModel]
      return strong === undefined || weak === undefined
        ? []
        : [{ vector: embeddings[index]!, label: KnnRouter.pairLabel(strong, weak) }]
    })
    yield* Effect.mapError(
      KnnRouter.save(
        options.output,
        KnnRouter.index(
          labelled.map((l) => l.vector),
          labelled.map((l) => l.label)
        ),
        Number(fitted.hyperParameters["k"] ?? 50),
        metadata
      ),
      fail
    )
  } else {
    yield* Effect.mapError(
      ClassifierRouter.save(options.output, fitted.model as Training.LogisticModel, metadata),
      fail
    )
  }
  return {
    router: trainer.name,
    prompts: items.length,
    hyperParameters: fitted.hyperParameters,
    output: options.output
  }
})

/**
 * The `train` command for `@effect/cli`.
 *
 * @since 0.1.0
 */
export const trainCommand = Command.make(
  "train",
  {
    data: Options.text("data").pipe(
      Options.withDescription(
        "JSONL: {prompt, scores} or {prompt, model_a, model_b, winner} per line, each with an optional group"
      )
    ),
    router: Options.text("router").pipe(
      Options.withDefault("mf"),
      Options.withDescription("mf, knn, knn_ridge, knn_logistic, sw_ranking or classifier")
    ),
    embedder: Options.text("embedder").pipe(
      Options.withDefault("static+hashing"),
      Options.withDescription("embedder name")
    ),
    output: Options.text("output").pipe(
      Options.withDescription("weights manifest to write (.json); tensors go next to it")
    ),
    strong: Options.text("strong").pipe(Options.withDefault("gpt-4-1106-preview")),
    weak: Options.text("weak").pipe(Options.withDefault("mistralai/Mixtral-8x7B-Instruct-v0.1")),
    seed: Options.integer("seed").pipe(Options.optional)
  },
  (args) =>
    Effect.flatMap(
      train({
        data: args.data,
        router: args.router,
        embedder: args.embedder,
        output: args.output,
        strongModel: args.strong,
        weakModel: args.weak,
        ...Option.match(args.seed, { onNone: () => ({}), onSome: (seed) => ({ seed }) })
      }),
      (result) => Effect.sync(() => console.log(JSON.stringify(result)))
    )
).pipe(
  Command.withDescription(
    "Train a quality router on your own data (seeded, validation-chosen hyper-parameters)"
  )
)
