/**
 * Loaders for the routing benchmarks RouteLLM evaluates on (MMLU, GSM8K, MT Bench) plus
 * arena-bench-v1, each decoded with Schema and decontaminated the way RouteLLM's
 * `routellm/evals/benchmarks.py` does.
 *
 * Every benchmark becomes a list of items: a prompt (the text a router sees), and a score per model
 * (MMLU/GSM8K: 1 if correct else 0; MT Bench: the mean GPT-4 judge score of both turns; arena: the
 * GPT-4 judge score of every model that has one).
 *
 * @since 0.1.0
 */
import { Data, Effect, Either, Schema } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parseCsvRecords } from "./Csv.ts"
import { packagePath } from "../PackagePaths.ts"

/** The strong model of RouteLLM's routed pair. @since 0.1.0 */
export const STRONG_MODEL = "gpt-4-1106-preview"
/** The weak model of RouteLLM's routed pair. @since 0.1.0 */
export const WEAK_MODEL = "mistralai/Mixtral-8x7B-Instruct-v0.1"

/**
 * The benchmark names used by the bench command and per-prompt score files.
 *
 * @since 0.1.0
 */
export type BenchmarkName = "mt-bench" | "mmlu" | "gsm8k" | "arena"

/**
 * One prompt of a benchmark with the score each model obtained on it.
 *
 * @since 0.1.0
 */
export interface BenchmarkItem {
  /** Stable identifier within the benchmark. */
  readonly id: string
  /** The text routers see (MT Bench: the first turn). */
  readonly prompt: string
  /** Sub-set the item belongs to (MMLU domain, MT Bench category), if any. */
  readonly group?: string
  /** Score per model name; a model without a score is absent. */
  readonly scores: Readonly<Record<string, number>>
}

/**
 * A loaded benchmark.
 *
 * @since 0.1.0
 */
export interface Benchmark {
  readonly name: BenchmarkName
  readonly strongModel: string
  readonly weakModel: string
  readonly items: ReadonlyArray<BenchmarkItem>
  /** How many prompts decontamination removed. */
  readonly removedAsContaminated: number
}

/**
 * A data set file is missing or does not have the expected shape.
 *
 * @since 0.1.0
 */
export class DatasetError extends Data.TaggedError("DatasetError")<{
  readonly dataset: string
  readonly reason: "Missing" | "Malformed"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The `data/` folder shipped with the package.
 *
 * @since 0.1.0
 */
export const defaultDataDir: string = packagePath("data") + "/"

const readText = (dataset: string, path: string) =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (cause) => new DatasetError({ dataset, reason: "Missing", message: `cannot read ${path}`, cause })
  })

const decodeJsonLines = <A, I>(dataset: string, path: string, schema: Schema.Schema<A, I>) =>
  Effect.flatMap(readText(dataset, path), (text) => {
    const decode = Schema.decodeUnknownEither(Schema.parseJson(schema))
    const rows: Array<A> = []
    const lines = text.split("\n")
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] ?? ""
      if (line.trim() === "") continue
      const result = decode(line)
      if (Either.isLeft(result)) {
        return Effect.fail(
          new DatasetError({
            dataset,
            reason: "Malformed",
            message: `${path} line ${index + 1}: ${result.left.message}`,
            cause: result.left
          })
        )
      }
      rows.push(result.right)
    }
    return Effect.succeed(rows)
  })

const Contaminated = Schema.Struct({ eval_prompt: Schema.String })

const contaminatedPrompts = (dataset: string, path: string) =>
  Effect.map(
    decodeJsonLines(dataset, path, Contaminated),
    (rows) => new Set(rows.map((row) => row.eval_prompt))
  )

const PythonBoolean = Schema.transform(Schema.Literal("True", "False"), Schema.Number, {
  strict: true,
  decode: (value) => (value === "True" ? 1 : 0),
  encode: (value) => (value === 1 ? "True" : "False")
})

const CorrectnessRow = Schema.Struct({
  prompt: Schema.String,
  [STRONG_MODEL]: PythonBoolean,
  [WEAK_MODEL]: PythonBoolean
})

const decodeCorrectnessCsv = (dataset: string, path: string) =>
  Effect.flatMap(readText(dataset, path), (text) => {
    const { badRows, records } = parseCsvRecords(text)
    if (badRows.length > 0) {
      return Effect.fail(
        new DatasetError({
          dataset,
          reason: "Malformed",
          message: `${path}: wrong field count on data rows ${badRows.slice(0, 5).join(", ")}`
        })
      )
    }
    const decode = Schema.decodeUnknownEither(CorrectnessRow)
    const rows: Array<typeof CorrectnessRow.Type> = []
    for (let index = 0; index < records.length; index++) {
      const result = decode(records[index])
      if (Either.isLeft(result)) {
        return Effect.fail(
          new DatasetError({
            dataset,
            reason: "Malformed",
            message: `${path} data row ${index + 1}: ${result.left.message}`,
            cause: result.left
          })
        )
      }
      rows.push(result.right)
    }
    return Effect.succeed(rows)
  })

const toItem = (id: string, row: typeof CorrectnessRow.Type, group?: string): BenchmarkItem => ({
  id,
  prompt: row.prompt,
  ...(group === undefined ? {} : { group }),
  scores: { [STRONG_MODEL]: row[STRONG_MODEL], [WEAK_MODEL]: row[WEAK_MODEL] }
})

/**
 * MMLU: all domain files under `routellm-evals/mmlu/responses`, minus RouteLLM's contaminated prompts.
 *
 * @since 0.1.0
 */
export const loadMmlu = Effect.fn("Datasets.loadMmlu")(function* (dataDir: string = defaultDataDir) {
  const root = join(dataDir, "routellm-evals", "mmlu")
  const files = yield* Effect.try({
    try: () =>
      readdirSync(join(root, "responses"))
        .filter((file) => /^mmlu_.+\.csv$/.test(file))
        .sort(),
    catch: (cause) =>
      new DatasetError({
        dataset: "mmlu",
        reason: "Missing",
        message: `cannot list ${root}/responses`,
        cause
      })
  })
  if (files.length === 0) {
    return yield* new DatasetError({
      dataset: "mmlu",
      reason: "Missing",
      message: `no mmlu_*.csv files in ${root}/responses`
    })
  }
  const contaminated = yield* contaminatedPrompts("mmlu", join(root, "contaminated_prompts.jsonl"))
  const items: Array<BenchmarkItem> = []
  let removed = 0
  for (const file of files) {
    const domain = file.slice("mmlu_".length, -".csv".length)
    const rows = yield* decodeCorrectnessCsv("mmlu", join(root, "responses", file))
    rows.forEach((row, index) => {
      if (contaminated.has(row.prompt)) removed++
      else items.push(toItem(`${domain}/${index}`, row, domain))
    })
  }
  return {
    name: "mmlu",
    strongModel: STRONG_MODEL,
    weakModel: WEAK_MODEL,
    items,
    removedAsContaminated: removed
  } satisfies Benchmark
})

/**
 * GSM8K: RouteLLM's responses minus its contaminated prompts.
 *
 * @since 0.1.0
 */
export const loadGsm8k = Effect.fn("Datasets.loadGsm8k")(function* (dataDir: string = defaultDataDir) {
  const root = join(dataDir, "routellm-evals", "gsm8k")
  const contaminated = yield* contaminatedPrompts("gsm8k", join(root, "contaminated_prompts.jsonl"))
  const rows = yield* decodeCorrectnessCsv("gsm8k", join(root, "gsm8k_responses.csv"))
  const items = rows.flatMap((row, index) => (contaminated.has(row.prompt) ? [] : [toItem(`${index}`, row)]))
  return {
    name: "gsm8k",
    strongModel: STRONG_MODEL,
    weakModel: WEAK_MODEL,
    items,
    removedAsContaminated: rows.length - items.length
  } satisfies Benchmark
})

const MtBenchQuestion = Schema.Struct({
  question_id: Schema.Number,
  category: Schema.String,
  turns: Schema.Array(Schema.String)
})

const MtBenchJudgement = Schema.Struct({
  question_id: Schema.Number,
  model: Schema.String,
  turn: Schema.Number,
  score: Schema.Number
})

/**
 * MT Bench: routes on the first turn; a model's score is the mean judge score of both turns.
 * Questions with either turn among RouteLLM's contaminated prompts are dropped.
 *
 * @since 0.1.0
 */
export const loadMtBench = Effect.fn("Datasets.loadMtBench")(function* (dataDir: string = defaultDataDir) {
  const root = join(dataDir, "routellm-evals", "mt_bench")
  const questions = yield* decodeJsonLines("mt-bench", join(root, "question.jsonl"), MtBenchQuestion)
  const judgements = yield* decodeJsonLines("mt-bench", join(root, "judgements.jsonl"), MtBenchJudgement)
  const contaminated = yield* contaminatedPrompts("mt-bench", join(root, "contaminated_prompts.jsonl"))
  const sums = new Map<string, { total: number; count: number }>()
  for (const judgement of judgements) {
    const key = `${judgement.question_id}\u0000${judgement.model}`
    const entry = sums.get(key) ?? { total: 0, count: 0 }
    entry.total += judgement.score
    entry.count += 1
    sums.set(key, entry)
  }
  const items: Array<BenchmarkItem> = []
  let removed = 0
  for (const question of questions) {
    const [first, second] = question.turns
    if (first === undefined) {
      return yield* new DatasetError({
        dataset: "mt-bench",
        reason: "Malformed",
        message: `question ${question.question_id} has no turns`
      })
    }
    if (contaminated.has(first) || (second !== undefined && contaminated.has(second))) {
      removed++
      continue
    }
    const scores: Record<string, number> = {}
    for (const model of [STRONG_MODEL, WEAK_MODEL]) {
      const entry = sums.get(`${question.question_id}\u0000${model}`)
      if (entry === undefined) {
        return yield* new DatasetError({
          dataset: "mt-bench",
          reason: "Malformed",
          message: `no judgement of ${model} for question ${question.question_id}`
        })
      }
      scores[model] = entry.total / entry.count
    }
    items.push({ id: `${question.question_id}`, prompt: first, group: question.category, scores })
  }
  return {
    name: "mt-bench",
    strongModel: STRONG_MODEL,
    weakModel: WEAK_MODEL,
    items,
    removedAsContaminated: removed
  } satisfies Benchmark
})

const ArenaRow = Schema.Struct({
  question_id: Schema.String,
  prompt: Schema.String,
  scores: Schema.Record({ key: Schema.String, value: Schema.Number })
})

/**
 * arena-bench-v1: 300 Chatbot Arena prompts with a GPT-4 judge score for up to 14 models each.
 * All items are returned (some lack the strong or weak model: see {@link pairItems}).
 *
 * @since 0.1.0
 */
export const loadArena = Effect.fn("Datasets.loadArena")(function* (dataDir: string = defaultDataDir) {
  const rows = yield* decodeJsonLines("arena", join(dataDir, "arena-bench-v1", "scores.jsonl"), ArenaRow)
  const items = rows.map((row): BenchmarkItem => ({
    id: row.question_id,
    prompt: row.prompt,
    scores: row.scores
  }))
  return {
    name: "arena",
    strongModel: STRONG_MODEL,
    weakModel: WEAK_MODEL,
    items,
    removedAsContaminated: 0
  } satisfies Benchmark
})

/**
 * Loads a benchmark by name.
 *
 * @since 0.1.0
 */
export const loadBenchmark = (
  name: BenchmarkName,
  dataDir: string = defaultDataDir
): Effect.Effect<Benchmark, DatasetError> => {
  switch (name) {
    case "mmlu":
      return loadMmlu(dataDir)
    case "gsm8k":
      return loadGsm8k(dataDir)
    case "mt-bench":
      return loadMtBench(dataDir)
    case "arena":
      return loadArena(dataDir)
  }
}

/**
 * The items that have a score for both the strong and the weak model (what routing is evaluated on).
 *
 * @since 0.1.0
 */
export const pairItems = (benchmark: Benchmark): ReadonlyArray<BenchmarkItem> =>
  benchmark.items.filter(
    (item) =>
      item.scores[benchmark.strongModel] !== undefined && item.scores[benchmark.weakModel] !== undefined
  )
