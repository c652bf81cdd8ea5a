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
import { Clock, Data, Effect, Either, Option, Schema } from "effect"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { makeEmbedder } from "../../embeddings/EmbedderRegistry.ts"
import type { ConfigError } from "../../core/Errors.ts"
import type { BenchmarkItem } from "../../evaluation/Datasets.ts"
import * as JsonLines from "../../evaluation/JsonLines.ts"
import { decodeAt } from "../../graph/ConfigDecode.ts"
import * as Trainers from "../../evaluation/Trainers.ts"
import * as ClassifierRouter from "../../routers/ClassifierRouter.ts"
import type * as KnnLogisticRouter from "../../routers/KnnLogisticRouter.ts"
import * as KnnLogisticWeights from "../../routers/KnnLogisticWeights.ts"
import * as KnnRidgeRouter from "../../routers/KnnRidgeRouter.ts"
import * as KnnRouter from "../../routers/KnnRouter.ts"
import * as MatrixFactorizationRouter from "../../routers/MatrixFactorizationRouter.ts"
import * as SimilarityWeightedRouter from "../../routers/SimilarityWeightedRouter.ts"
import * as Weights from "../../routers/Weights.ts"
import type * as Training from "../../routers/Training.ts"
import { progress, status } from "../progress.ts"
import type { ProgressStream } from "../progress.ts"
import { integer } from "../options.ts"

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
// soft group posterior from it, the other routers ignore it. Scores must be finite: one Infinity
// (`1e999` in JSON) turns every fitted weight into NaN.
const Prompt = Schema.String.pipe(
  Schema.filter((prompt) => prompt.trim() !== "" || "must be a non-empty string")
)
const ScoredLine = Schema.Struct({
  prompt: Prompt,
  group: Schema.optional(Schema.String),
  scores: Schema.Record({ key: Schema.String, value: Schema.Finite }).pipe(
    Schema.filter((scores) => Object.keys(scores).length > 0 || "must score at least one model")
  )
})
const PreferenceLine = Schema.Struct({
  prompt: Prompt,
  group: Schema.optional(Schema.String),
  model_a: Schema.String,
  model_b: Schema.String,
  winner: Schema.Literal("model_a", "model_b", "tie", "tie (bothbad)")
})

const SHAPES = "{prompt, scores} or {prompt, model_a, model_b, winner} (each with an optional group)"

/**
 * Parses training JSONL into items (failing with the number of the first bad line and the field
 * that is wrong).
 *
 * @since 0.1.0
 */
export const parseTrainingData = (text: string): Either.Either<Array<BenchmarkItem>, TrainError> => {
  const items: Array<BenchmarkItem> = []
  const lines = JsonLines.splitLines(text)
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    if (line.trim() === "") continue
    const bad = (problem: string, cause?: unknown) =>
      Either.left(
        new TrainError({
          reason: "InvalidData",
          line: index + 1,
          message: `line ${index + 1}: ${problem}`,
          cause
        })
      )
    const parsed = JsonLines.parseLine(line)
    if (Either.isLeft(parsed))
      return bad(
        parsed.left.startsWith("not valid JSON") ? `${parsed.left}; expected ${SHAPES}` : parsed.left
      )
    const json = parsed.right
    if (typeof json !== "object" || json === null || Array.isArray(json)) return bad(`expected ${SHAPES}`)
    const isPreference = "model_a" in json || "model_b" in json || "winner" in json
    if ("scores" in json && isPreference)
      return bad('has both "scores" and a pairwise preference (model_a, model_b, winner); give one')
    if (!("scores" in json) && !isPreference) return bad(`expected ${SHAPES}`)
    const decoded: Either.Either<typeof ScoredLine.Type | typeof PreferenceLine.Type, ConfigError> =
      isPreference
        ? decodeAt(PreferenceLine, json, "", { excessProperties: "ignore" })
        : decodeAt(ScoredLine, json, "", { excessProperties: "ignore" })
    if (Either.isLeft(decoded)) return bad(decoded.left.message, decoded.left)
    const value = decoded.right
    if (!("scores" in value) && value.model_a === value.model_b)
      return bad(`model_a and model_b are the same model ("${value.model_a}"); a preference needs two models`)
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

/** The path of the first NaN or infinite number in a fitted model (typed arrays included). */
const nonFiniteAt = (value: unknown, path: string): string | undefined => {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${path} = ${value}`
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const values = value as unknown as ArrayLike<number | bigint>
    for (let index = 0; index < values.length; index++) {
      const element = values[index]!
      if (typeof element === "number" && !Number.isFinite(element)) return `${path}[${index}] = ${element}`
    }
    return undefined
  }
  if (typeof value !== "object" || value === null) return undefined
  for (const [key, child] of Object.entries(value)) {
    const found = nonFiniteAt(child, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`)
    if (found !== undefined) return found
  }
  return undefined
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
  /** Where progress and the training time go (default: stderr); stdout gets only the result. */
  readonly progressStream?: ProgressStream
}

/** A word as a POSIX shell reads it back: quoted unless it is plainly safe. */
const shellWord = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`

/**
 * The command line that reproduces a training run (the data path as given, so relative to where
 * the run was started).
 *
 * @since 0.1.0
 */
export const reproducingCommand = (options: TrainOptions): string =>
  [
    "llm-router",
    "train",
    "--data",
    options.data,
    "--router",
    options.router,
    "--embedder",
    options.embedder,
    "--output",
    options.output,
    "--strong",
    options.strongModel,
    "--weak",
    options.weakModel,
    "--seed",
    String(options.seed ?? 0)
  ]
    .map(shellWord)
    .join(" ")

/**
 * The training program: progress on stderr, weights plus a manifest (data, embedder, the reproducing
 * command, hyper-parameters and validation metrics) at `output`. Returns the hyper-parameters and
 * metrics.
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
  // The manifest and its tensor file (same name, .bin or .onnx) would overwrite the data.
  const written = [".json", ".bin", ".onnx"].map((extension) =>
    resolve(options.output.replace(/\.json$/, "") + extension)
  )
  if (resolve(options.output) === resolve(options.data) || written.includes(resolve(options.data))) {
    return yield* new TrainError({
      reason: "InvalidOptions",
      message: `--output ${options.output} would overwrite the training data ${options.data}; choose another path`
    })
  }
  // Checked now, not after an embedding and training run that may take minutes.
  yield* Effect.mapError(
    Weights.checkWritable(options.output, written.slice(1)),
    (cause) => new TrainError({ reason: "InvalidOptions", message: cause.message, cause })
  )
  const bytes = yield* Effect.try({
    try: () => readFileSync(options.data),
    catch: (cause) =>
      new TrainError({
        reason: "InvalidData",
        message: `cannot read ${options.data}: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  })
  const text = yield* Either.mapLeft(
    JsonLines.decodeUtf8(bytes),
    ({ line }) =>
      new TrainError({
        reason: "InvalidData",
        line,
        message: `line ${line}: not valid UTF-8 (${options.data} must be UTF-8 encoded text)`
      })
  )
  const items = yield* parseTrainingData(text)
  const invalidData = (message: string) => new TrainError({ reason: "InvalidData", message })
  if (options.strongModel === options.weakModel) {
    return yield* new TrainError({
      reason: "InvalidOptions",
      message: `--strong and --weak both name "${options.strongModel}"; the router compares two different models`
    })
  }
  const models = Trainers.modelsOf(items)
  // Weights for a model the data never scores would fail only later, when a prompt is scored.
  for (const [flag, model] of [
    ["--strong", options.strongModel],
    ["--weak", options.weakModel]
  ] as const) {
    if (items.length > 0 && !models.includes(model)) {
      return yield* invalidData(
        `${flag} model "${model}" is not scored anywhere in ${options.data}; models in the data: ${models.join(", ")}`
      )
    }
  }
  const pairCount = items.filter(
    (item) => item.scores[options.strongModel] !== undefined && item.scores[options.weakModel] !== undefined
  ).length
  // Identical prompts stay in one validation fold, so they count once.
  const distinctPrompts = new Set(items.map((item) => item.prompt)).size
  if (distinctPrompts < 10 || (trainer.name !== "mf" && trainer.name !== "sw_ranking" && pairCount < 10)) {
    return yield* invalidData(
      `${options.data} has ${items.length} prompts (${distinctPrompts} distinct), ${pairCount} scored for both ${options.strongModel} and ${options.weakModel}; need at least 10`
    )
  }
  const values = new Set(items.flatMap((item) => Object.values(item.scores)))
  if (values.size === 1) {
    return yield* invalidData(
      `every score in ${options.data} is ${[...values][0]}: there is nothing to learn which model is better where`
    )
  }
  const embedder = yield* Effect.mapError(
    makeEmbedder(options.embedder),
    (cause) => new TrainError({ reason: "InvalidOptions", message: cause.message, cause })
  )
  const stream = options.progressStream ?? process.stderr
  const started = yield* Clock.currentTimeMillis
  const embeddings: Array<Float32Array> = []
  for (let start = 0; start < items.length; start += 256) {
    const batch = yield* Effect.mapError(
      embedder.embedMany(items.slice(start, start + 256).map((item) => item.prompt)),
      (cause) => new TrainError({ reason: "Failed", message: cause.message, cause })
    )
    embeddings.push(...batch)
    progress("embedding", embeddings.length, items.length, { stream })
  }
  const seed = options.seed ?? 0
  // The trainers are plain numerical code that throws on degenerate data: a failure, not a crash.
  const fitted = yield* Effect.try({
    try: () =>
      trainer.fit({
        embeddings,
        items,
        models,
        strongModel: options.strongModel,
        weakModel: options.weakModel,
        seed,
        onProgress: ({ detail, done, stage, total }) =>
          progress(`fitting ${trainer.name}: ${stage}`, done, total, {
            stream,
            ...(detail === undefined ? {} : { detail })
          })
      }),
    catch: (cause) =>
      new TrainError({
        reason: "Failed",
        message: `training ${trainer.name} on ${options.data} failed: ${cause instanceof Error ? cause.message : String(cause)} (the data may be too small or too uniform)`,
        cause
      })
  })
  const overflow = nonFiniteAt(fitted.model, "model")
  if (overflow !== undefined) {
    // Such weights would be written, then refused by every `score` run.
    return yield* new TrainError({
      reason: "Failed",
      message: `training ${trainer.name} on ${options.data} gave a NaN or infinite parameter (${overflow}); nothing written to ${options.output}. Are some scores extremely large? Rescale them, e.g. to 0–10`
    })
  }
  // No wall-clock time in the manifest: two runs with one seed write identical files.
  const metrics = {
    trainingPrompts: items.length,
    distinctPrompts,
    strongWeakPairs: pairCount,
    validation: fitted.validation ?? `none: the ${trainer.name} trainer reports no validation figure`
  }
  const metadata = {
    embedder: embedder.name,
    strongModel: options.strongModel,
    weakModel: options.weakModel,
    training: {
      data: options.data,
      prompts: items.length,
      seed,
      reproduce: reproducingCommand({ ...options, seed })
    },
    hyperParameters: fitted.hyperParameters,
    metrics
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
  const finished = yield* Clock.currentTimeMillis
  status(
    `trained ${trainer.name} on ${items.length} prompts in ${((finished - started) / 1000).toFixed(1)} s`,
    {
      stream
    }
  )
  return {
    router: trainer.name,
    prompts: items.length,
    hyperParameters: fitted.hyperParameters,
    metrics,
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
    seed: integer("seed").pipe(Options.optional)
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
