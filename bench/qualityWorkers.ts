/**
 * `bench quality` on several cores: the trained routers of each (embedder, benchmarks) unit are
 * computed in a child process (`qualityWorker.ts`), a few at a time, and handed back as win rates.
 *
 * Every unit depends only on its inputs (data, cached embeddings, seed, folds), so the numbers are
 * those of a sequential run; the caller puts them back in the sequential order. A unit owns its
 * embedder's cache files for its benchmarks (MT Bench and arena, which MT Bench trains on, share a
 * unit), so two processes never write the same cache file.
 *
 * @since 0.1.0
 */
import { Data, Effect, Schema } from "effect"
import { fork } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { makeEmbedder } from "../src/embeddings/EmbedderRegistry.ts"
import type { EmbeddingError } from "../src/embeddings/Embedder.ts"
import type { DatasetError } from "../src/evaluation/Datasets.ts"
import { loadBenchmark } from "../src/evaluation/Datasets.ts"
import * as QualityBenchmark from "../src/evaluation/QualityBenchmark.ts"
import * as Trainers from "../src/evaluation/Trainers.ts"
import { packagePath } from "../src/PackagePaths.ts"
import { tsxLoader } from "./childProcess.ts"

/**
 * One unit of work: every trainer on some benchmarks with one embedder.
 *
 * @since 0.1.0
 */
export const QualityUnit = Schema.Struct({
  /** The embedder's name as `makeEmbedder` takes it (`hashing`, not `hashing-512`). */
  embedder: Schema.String,
  benchmarks: Schema.Array(Schema.Literal("mt-bench", "mmlu", "gsm8k", "arena")),
  /** Names of `Trainers.trainers`, in order. */
  trainers: Schema.Array(Schema.String),
  folds: Schema.Int,
  seed: Schema.Int,
  dataDir: Schema.String,
  cacheDir: Schema.String
})

/**
 * @since 0.1.0
 */
export type QualityUnit = typeof QualityUnit.Type

const TrainedResult = Schema.Struct({
  router: Schema.String,
  embedder: Schema.String,
  protocol: Schema.Literal("k-fold", "held-out"),
  winRates: Schema.Array(Schema.Number),
  hyperParameters: Schema.Array(
    Schema.Record({ key: Schema.String, value: Schema.Union(Schema.Number, Schema.String) })
  )
})

/**
 * What a unit produces: per benchmark, each trainer's win rates (in pair-item order) and chosen
 * hyper-parameters; `QualityBenchmark.trainedRouterResult` turns them back into results.
 *
 * @since 0.1.0
 */
export const UnitOutput = Schema.Struct({
  benchmarks: Schema.Array(
    Schema.Struct({
      benchmark: Schema.Literal("mt-bench", "mmlu", "gsm8k", "arena"),
      results: Schema.Array(TrainedResult)
    })
  ),
  /** CPU time (user + system) of the process that computed the unit. */
  cpuSeconds: Schema.Number
})

/**
 * @since 0.1.0
 */
export type UnitOutput = typeof UnitOutput.Type

/**
 * A message from a worker process.
 *
 * @since 0.1.0
 */
export const WorkerMessage = Schema.Union(
  Schema.Struct({ type: Schema.Literal("progress"), message: Schema.String }),
  Schema.Struct({ type: Schema.Literal("done"), output: UnitOutput }),
  Schema.Struct({ type: Schema.Literal("failed"), message: Schema.String })
)

/**
 * @since 0.1.0
 */
export type WorkerMessage = typeof WorkerMessage.Type

/**
 * A worker process failed to start, crashed, or reported a failure.
 *
 * @since 0.1.0
 */
export class QualityWorkerError extends Data.TaggedError("QualityWorkerError")<{
  readonly unit: string
  readonly reason: "SpawnFailed" | "Crashed" | "Failed" | "BadMessage"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * A unit's label in progress messages and errors: `embedder:benchmark+benchmark`.
 *
 * @since 0.1.0
 */
export const unitLabel = (unit: Pick<QualityUnit, "embedder" | "benchmarks">): string =>
  `${unit.embedder}:${unit.benchmarks.join("+")}`

/**
 * Computes a unit in this process (what a worker process runs).
 *
 * @since 0.1.0
 */
export const computeUnit = (
  unit: QualityUnit,
  onProgress: (message: string) => void = () => undefined
): Effect.Effect<UnitOutput, DatasetError | EmbeddingError> =>
  Effect.gen(function* () {
    const cpuStart = process.cpuUsage()
    const embedder = yield* makeEmbedder(unit.embedder)
    const arena = yield* loadBenchmark("arena", unit.dataDir)
    const trainers: Array<Trainers.Trainer> = []
    for (const name of unit.trainers) {
      const trainer = Trainers.trainers.find((candidate) => candidate.name === name)
      if (trainer === undefined)
        return yield* Effect.die(
          new Error(`unknown trainer "${name}"; known: ${Trainers.trainers.map((t) => t.name).join(", ")}`)
        )
      trainers.push(trainer)
    }
    const benchmarks: Array<UnitOutput["benchmarks"][number]> = []
    for (const name of unit.benchmarks) {
      const benchmark = name === "arena" ? arena : yield* loadBenchmark(name, unit.dataDir)
      const results = yield* QualityBenchmark.trainedResults(benchmark, embedder, {
        arena,
        trainers,
        k: unit.folds,
        seed: unit.seed,
        cacheDir: unit.cacheDir,
        onProgress
      })
      benchmarks.push({
        benchmark: name,
        results: results.map((result) => ({
          router: result.router,
          embedder: result.embedder ?? embedder.name,
          protocol: result.protocol === "held-out" ? "held-out" : "k-fold",
          winRates: result.prompts.map((prompt) => prompt.winRate),
          hyperParameters: result.hyperParameters ?? []
        }))
      })
    }
    const cpu = process.cpuUsage(cpuStart)
    return { benchmarks, cpuSeconds: (cpu.user + cpu.system) / 1e6 }
  })

const workerPath = packagePath("bench", "qualityWorker.ts")

// The tsx loader by absolute URL, so that the worker starts whatever the working directory.

/**
 * Runs a unit in a child process (`node --import tsx bench/qualityWorker.ts`), forwarding its
 * progress; the process is killed if the effect is interrupted.
 *
 * @since 0.1.0
 */
export const runUnitInProcess = (
  unit: QualityUnit,
  onProgress: (message: string) => void
): Effect.Effect<UnitOutput, QualityWorkerError> => {
  const label = unitLabel(unit)
  return Effect.acquireUseRelease(
    Effect.try({
      try: () =>
        fork(workerPath, [], {
          execArgv: ["--import", tsxLoader()],
          serialization: "advanced",
          stdio: ["ignore", "inherit", "inherit", "ipc"]
        }),
      catch: (cause) =>
        new QualityWorkerError({
          unit: label,
          reason: "SpawnFailed",
          message: `cannot start the worker process for ${label}: ${String(cause)}`,
          cause
        })
    }),
    (child) =>
      Effect.async<UnitOutput, QualityWorkerError>((resume) => {
        let settled = false
        const settle = (effect: Effect.Effect<UnitOutput, QualityWorkerError>) => {
          if (settled) return
          settled = true
          resume(effect)
        }
        child.on("message", (raw: unknown) => {
          const decoded = Schema.decodeUnknownEither(WorkerMessage)(raw)
          if (decoded._tag === "Left")
            return settle(
              Effect.fail(
                new QualityWorkerError({
                  unit: label,
                  reason: "BadMessage",
                  message: `worker ${label} sent an unexpected message: ${decoded.left.message}`,
                  cause: decoded.left
                })
              )
            )
          const message = decoded.right
          if (message.type === "progress") onProgress(message.message)
          else if (message.type === "done") settle(Effect.succeed(message.output))
          else
            settle(
              Effect.fail(
                new QualityWorkerError({
                  unit: label,
                  reason: "Failed",
                  message: `${label}: ${message.message}`
                })
              )
            )
        })
        child.on("error", (cause) =>
          settle(
            Effect.fail(
              new QualityWorkerError({
                unit: label,
                reason: "SpawnFailed",
                message: `worker process for ${label} failed: ${cause.message}`,
                cause
              })
            )
          )
        )
        // "close" comes after the IPC channel has delivered every message, unlike "exit".
        child.on("close", (code, signal) =>
          settle(
            Effect.fail(
              new QualityWorkerError({
                unit: label,
                reason: "Crashed",
                message: `worker process for ${label} exited (${signal ?? `code ${code}`}) before reporting its results`
              })
            )
          )
        )
        child.send(unit)
      }),
    (child) => Effect.sync(() => stop(child))
  )
}

const stop = (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
}

/**
 * Runs units on `workers` processes at once, longest first (by `cost`), and returns their outputs
 * in the order of `units`.
 *
 * @since 0.1.0
 */
export const runUnits = (
  units: ReadonlyArray<QualityUnit>,
  options: {
    readonly workers: number
    readonly cost: (unit: QualityUnit) => number
    readonly onProgress: (message: string) => void
  }
): Effect.Effect<ReadonlyArray<UnitOutput>, QualityWorkerError> => {
  const order = units
    .map((_, index) => index)
    .sort((a, b) => options.cost(units[b]!) - options.cost(units[a]!))
  const outputs = new Array<UnitOutput>(units.length)
  return Effect.forEach(
    order,
    (index) =>
      runUnitInProcess(units[index]!, (message) =>
        options.onProgress(`[${unitLabel(units[index]!)}] ${message}`)
      ).pipe(
        Effect.tap((output) =>
          Effect.sync(() => {
            outputs[index] = output
            options.onProgress(
              `[${unitLabel(units[index]!)}] done (${output.cpuSeconds.toFixed(0)} s of CPU)`
            )
          })
        )
      ),
    { concurrency: Math.max(1, options.workers), discard: true }
  ).pipe(Effect.as(outputs))
}
