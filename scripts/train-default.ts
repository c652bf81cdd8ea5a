/**
 * Trains the shipped default weights (weights/{mf,knn,knn_ridge,sw_ranking,classifier}-default.*) on
 * arena-bench-v1 (300 prompts × 14 models), choosing hyper-parameters on validation splits of arena
 * only, then records each router's held-out MT Bench figures in its manifest (MT Bench is never
 * trained on). Deterministic.
 *
 * Embedders: `mf` uses `static+hashing`, the fast embedder that won the arena cross-validation of
 * the MF router (10 × 5-fold, mean APGR over every model pair; see docs/quality-routers.md), and
 * `knn_ridge` the same; the older routers keep `static`. `--embedder NAME` uses one embedder for
 * every router.
 *
 * Usage: npx tsx scripts/train-default.ts [--embedder NAME] [--routers mf,knn_ridge] [--mf-ranks 1,2,3]
 */
import { Effect } from "effect"
import { join } from "node:path"
import type { EmbedderShape } from "../src/embeddings/Embedder.ts"
import { makeEmbedder } from "../src/embeddings/EmbedderRegistry.ts"
import { loadArena, loadMtBench } from "../src/evaluation/Datasets.ts"
import { embedWithCache } from "../src/evaluation/EmbeddingStore.ts"
import { heldOutResult } from "../src/evaluation/QualityBenchmark.ts"
import * as Trainers from "../src/evaluation/Trainers.ts"
import * as ClassifierRouter from "../src/routers/ClassifierRouter.ts"
import * as KnnRidgeRouter from "../src/routers/KnnRidgeRouter.ts"
import * as KnnRouter from "../src/routers/KnnRouter.ts"
import * as MatrixFactorizationRouter from "../src/routers/MatrixFactorizationRouter.ts"
import * as SimilarityWeightedRouter from "../src/routers/SimilarityWeightedRouter.ts"
import type { LogisticModel } from "../src/routers/Training.ts"
import * as Weights from "../src/routers/Weights.ts"

const arg = (name: string) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : undefined
}
const SEED = 0
/** The default embedder of each router's shipped weights. */
const defaultEmbedders: Readonly<Record<Trainers.Trainer["name"], string>> = {
  mf: "static+hashing",
  knn: "static",
  knn_ridge: "static+hashing",
  knn_logistic: "static+hashing", // not trained here (see below)
  sw_ranking: "static",
  classifier: "static"
}
const embedderOverride = arg("embedder")
const only = arg("routers")?.split(",")
const mfRanks = arg("mf-ranks")?.split(",").map(Number)
// knn_logistic has no shipped default: it needs thousands of labelled prompts (llm-router train).
const trainers = Trainers.trainers
  .filter((trainer) => trainer.name !== "knn_logistic")
  .filter((trainer) => only === undefined || only.includes(trainer.name))
  .map((trainer) =>
    trainer.name === "mf" && mfRanks !== undefined
      ? Trainers.matrixFactorization({ ranks: mfRanks })
      : trainer
  )

const program = Effect.gen(function* () {
  const arena = yield* loadArena()
  const mtBench = yield* loadMtBench()
  const embedders = new Map<string, EmbedderShape>()
  const embeddingsOf = (name: string) =>
    Effect.gen(function* () {
      const embedder = embedders.get(name) ?? (yield* makeEmbedder(name))
      embedders.set(name, embedder)
      const arenaEmbeddings = yield* embedWithCache(
        embedder,
        "arena",
        arena.items.map((item) => item.prompt)
      )
      const mtEmbeddings = yield* embedWithCache(
        embedder,
        "mt-bench",
        mtBench.items.map((item) => item.prompt)
      )
      return { embedder, arenaEmbeddings, mtEmbeddings }
    })
  const models = Trainers.modelsOf(arena.items)
  const dir = Weights.shippedWeightsDir
  for (const trainer of trainers) {
    const embedderName = embedderOverride ?? defaultEmbedders[trainer.name]
    const { embedder, arenaEmbeddings, mtEmbeddings } = yield* embeddingsOf(embedderName)
    const set = {
      embeddings: arenaEmbeddings,
      items: arena.items,
      models,
      strongModel: arena.strongModel,
      weakModel: arena.weakModel,
      seed: SEED
    }
    const training = {
      data: "arena-bench-v1 (lmarena/arena-hard-auto ac4ad9a, 300 Chatbot Arena prompts, GPT-4 judge scores for 14 models)",
      heldOutBenchmark:
        "MT Bench (RouteLLM evals, 72 prompts after decontamination) — never used for training or model selection",
      seed: SEED,
      reproduce: `npx tsx scripts/train-default.ts --routers ${trainer.name}${embedderOverride === undefined ? "" : ` --embedder ${embedderOverride}`}${trainer.name === "mf" && mfRanks !== undefined ? ` --mf-ranks ${mfRanks.join(",")}` : ""}`
    }
    const fitted = trainer.fit(set)
    const result = heldOutResult(
      { benchmark: arena, embeddings: arenaEmbeddings },
      { benchmark: mtBench, embeddings: mtEmbeddings },
      trainer,
      { seed: SEED, embedder: embedder.name }
    )
    const metrics = {
      // What the trainer measured on data it held out from the fit (as llm-router train writes it).
      ...(fitted.validation === undefined ? {} : { validation: fitted.validation }),
      "mt-bench (held-out)": {
        apgrRouteLLM: result.evaluation.routellm.metrics.apgr,
        apgrExact: result.evaluation.exact.metrics.apgr,
        cpt50Exact: result.evaluation.exact.metrics.cpt50
      }
    }
    const common = {
      embedder: embedder.name,
      strongModel: arena.strongModel,
      weakModel: arena.weakModel,
      training,
      hyperParameters: fitted.hyperParameters,
      metrics
    }
    const path = join(dir, `${trainer.name}-default.json`)
    if (trainer.name === "mf") {
      yield* MatrixFactorizationRouter.save(
        path,
        fitted.model as MatrixFactorizationRouter.MatrixFactorizationModel,
        common
      )
    } else if (trainer.name === "knn_ridge") {
      yield* KnnRidgeRouter.save(path, fitted.model as KnnRidgeRouter.KnnRidgeModel, common)
    } else if (trainer.name === "knn") {
      const labelled = arena.items.flatMap((item, i) => {
        const s = item.scores[arena.strongModel]
        const w = item.scores[arena.weakModel]
        return s === undefined || w === undefined
          ? []
          : [{ vector: arenaEmbeddings[i]!, label: KnnRouter.pairLabel(s, w) }]
      })
      const knnIndex = KnnRouter.index(
        labelled.map((l) => l.vector),
        labelled.map((l) => l.label)
      )
      yield* KnnRouter.save(path, knnIndex, Number(fitted.hyperParameters["k"] ?? 50), common)
    } else if (trainer.name === "sw_ranking") {
      yield* SimilarityWeightedRouter.save(
        path,
        SimilarityWeightedRouter.index(
          arenaEmbeddings,
          arena.items.map((item) => item.scores),
          models
        ),
        common
      )
    } else {
      yield* ClassifierRouter.save(path, fitted.model as LogisticModel, common)
    }
    console.log(
      `${trainer.name}: ${JSON.stringify(fitted.hyperParameters)} MT Bench APGR ${result.evaluation.routellm.metrics.apgr.toFixed(3)} (exact ${result.evaluation.exact.metrics.apgr.toFixed(3)}) -> ${path}`
    )
  }
})

Effect.runPromise(program).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
