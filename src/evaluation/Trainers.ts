/**
 * The trainable routers as pure fit/predict pairs over precomputed embeddings, for out-of-fold
 * evaluation and for training shipped weights. Hyper-parameters are chosen on a validation split
 * of the training data only (never on the evaluation prompts).
 *
 * @since 0.1.0
 */
import * as KnnLogisticRouter from "../routers/KnnLogisticRouter.ts"
import * as KnnLogisticTraining from "../routers/KnnLogisticTraining.ts"
import * as KnnRidgeRouter from "../routers/KnnRidgeRouter.ts"
import * as KnnRidgeTraining from "../routers/KnnRidgeTraining.ts"
import * as KnnRouter from "../routers/KnnRouter.ts"
import * as MatrixFactorizationRouter from "../routers/MatrixFactorizationRouter.ts"
import { sigmoid } from "../routers/RouterSupport.ts"
import * as SimilarityWeightedRouter from "../routers/SimilarityWeightedRouter.ts"
import * as Training from "../routers/Training.ts"
import type { BenchmarkItem } from "./Datasets.ts"
import { assignFolds } from "./CrossValidation.ts"
import { exactCurve, curveMetrics, modelMeans } from "./Metrics.ts"

/**
 * What a trainer receives.
 *
 * @since 0.1.0
 */
export interface TrainingSet {
  readonly embeddings: ReadonlyArray<Float32Array>
  readonly items: ReadonlyArray<BenchmarkItem>
  /** Every model with at least one score, in a fixed order. */
  readonly models: ReadonlyArray<string>
  readonly strongModel: string
  readonly weakModel: string
  readonly seed: number
  /** Told of the fit's progress (inner folds, epochs, stages); training is silent without it. */
  readonly onProgress?: (progress: FitProgress) => void
}

/**
 * Progress of a fit: `done` of `total` steps of `stage`, with an optional detail (a loss, the
 * stage just finished).
 *
 * @since 0.1.0
 */
export interface FitProgress {
  readonly stage: string
  readonly done: number
  readonly total: number
  readonly detail?: string
}

/**
 * What a fit measured on data held out from the fitting (inner folds or a validation split of the
 * training set), never on the prompts it was fitted on; or, as a string, why there is no such figure.
 *
 * @since 0.1.0
 */
export type ValidationFigures = Readonly<Record<string, number | string>> | string

/**
 * A fitted router over embeddings, with the hyper-parameters it chose.
 *
 * @since 0.1.0
 */
export interface Fitted {
  /** Win rates of prompts from their embeddings and texts (in the same order). */
  readonly predict: (
    embeddings: ReadonlyArray<Float32Array>,
    prompts: ReadonlyArray<string>
  ) => ReadonlyArray<number>
  readonly hyperParameters: Readonly<Record<string, number | string>>
  /** Validation figures of the fit (see {@link ValidationFigures}); absent for custom trainers. */
  readonly validation?: ValidationFigures
  /** The fitted parameters, for saving (type depends on the trainer). */
  readonly model?: unknown
}

/**
 * A trainable router kind.
 *
 * @since 0.1.0
 */
export interface Trainer {
  readonly name: "mf" | "knn" | "sw_ranking" | "classifier" | "knn_ridge" | "knn_logistic"
  readonly fit: (set: TrainingSet) => Fitted
  /**
   * The embedders (`EmbedderShape.name`) the quality benchmark trains this router with; every
   * embedder when absent. For routers too slow to train once per embedder.
   */
  readonly benchEmbedders?: ReadonlyArray<string>
  /**
   * CPU of one training relative to a typical trainer's (1 when absent), for the quality benchmark's
   * scheduler: it starts the costliest work first.
   */
  readonly benchCost?: number
}

/**
 * All models scored anywhere in the items, sorted by name.
 *
 * @since 0.1.0
 */
export const modelsOf = (items: ReadonlyArray<BenchmarkItem>): Array<string> =>
  [...new Set(items.flatMap((item) => Object.keys(item.scores)))].sort()

/**
 * Validation quality of predicted per-model scores: the mean exact APGR over every pair of models
 * whose mean scores differ by at least 10 % of the score range, each pair routed by the predicted
 * score difference. With two models this is the pair's APGR.
 *
 * @since 0.1.0
 */
export const pairwiseApgr = (
  items: ReadonlyArray<BenchmarkItem>,
  predicted: ReadonlyArray<Readonly<Record<string, number>>>,
  models: ReadonlyArray<string>
): number => {
  const all = items.flatMap((item) => Object.values(item.scores))
  const range = Math.max(...all) - Math.min(...all) || 1
  const values: Array<number> = []
  for (const a of models) {
    for (const b of models) {
      const rows = items.flatMap((item, index) =>
        item.scores[a] !== undefined && item.scores[b] !== undefined ? [index] : []
      )
      if (rows.length < 4) continue
      const prompts = rows.map((index) => ({
        winRate: predicted[index]![a]! - predicted[index]![b]!,
        strongScore: items[index]!.scores[a]!,
        weakScore: items[index]!.scores[b]!
      }))
      const { strong, weak } = modelMeans(prompts)
      if (strong - weak < 0.1 * range) continue
      values.push(curveMetrics(exactCurve(prompts), weak, strong).apgr)
    }
  }
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length
}

/**
 * Matrix factorisation: ranks {1, 2, 3} (only 2 when the data has 2 models, where rank 2 is plain
 * ridge on both scores) × ridge penalties, chosen by {@link pairwiseApgr} on validation data of the
 * training set only: pooled 5-fold inner cross-validation under 2,000 prompts, else a 25 % split.
 *
 * @since 0.1.0
 */
export const matrixFactorization = (
  options: { readonly lambdas?: ReadonlyArray<number>; readonly ranks?: ReadonlyArray<number> } = {}
): Trainer => ({
  name: "mf",
  fit: (set) => {
    const lambdas = options.lambdas ?? [1, 3, 10, 30, 100]
    const ranks = options.ranks ?? (set.models.length <= 2 ? [2] : [1, 2, 3])
    const grid = ranks.flatMap((rank) => lambdas.map((lambda) => ({ rank, lambda })))
    const scoresOf = (
      model: MatrixFactorizationRouter.MatrixFactorizationModel,
      vectors: ReadonlyArray<Float32Array>
    ) =>
      vectors.map((vector) => {
        const predicted = MatrixFactorizationRouter.scores(model, vector)
        return Object.fromEntries(set.models.map((name, index) => [name, predicted[index]!]))
      })
    // Small data (< 2,000 prompts): 5-fold inner cross-validation, predictions pooled over folds, so
    // that the choice does not hinge on one noisy split. Larger data: one 25 % validation split.
    const innerFolds = set.items.length < 2000 ? 5 : 1
    const pooled: Array<Array<Record<string, number>>> = grid.map(() => [])
    const pooledItems: Array<BenchmarkItem> = []
    const folds =
      innerFolds > 1
        ? assignFolds(
            set.items.map((item) => item.prompt),
            innerFolds,
            set.seed + 101
          )
        : []
    for (let fold = 0; fold < innerFolds; fold++) {
      const split =
        innerFolds > 1
          ? {
              train: set.items.flatMap((_, index) => (folds[index] === fold ? [] : [index])),
              validation: set.items.flatMap((_, index) => (folds[index] === fold ? [index] : []))
            }
          : Training.validationSplit(set.items.length, {
              fraction: 0.25,
              seed: set.seed,
              groups: set.items.map((item) => item.prompt)
            })
      const candidates = MatrixFactorizationRouter.fitGrid(
        split.train.map((index) => set.embeddings[index]!),
        split.train.map((index) => set.items[index]!.scores),
        set.models,
        grid
      )
      const validationVectors = split.validation.map((index) => set.embeddings[index]!)
      candidates.forEach((candidate, index) => pooled[index]!.push(...scoresOf(candidate, validationVectors)))
      pooledItems.push(...split.validation.map((index) => set.items[index]!))
      set.onProgress?.({ stage: "validation folds", done: fold + 1, total: innerFolds + 1 })
    }
    let best = 0
    let bestValue = Number.NEGATIVE_INFINITY
    pooled.forEach((predictions, index) => {
      const value = pairwiseApgr(pooledItems, predictions, set.models)
      if (value > bestValue) {
        bestValue = value
        best = index
      }
    })
    const chosen = grid[best]!
    const model = MatrixFactorizationRouter.fit(
      set.embeddings,
      set.items.map((item) => item.scores),
      set.models,
      chosen
    )
    set.onProgress?.({
      stage: "validation folds",
      done: innerFolds + 1,
      total: innerFolds + 1,
      detail: `refitted rank ${chosen.rank}, lambda ${chosen.lambda}`
    })
    const strong = set.models.indexOf(set.strongModel)
    const weak = set.models.indexOf(set.weakModel)
    return {
      model,
      predict: (vectors) =>
        vectors.map((vector) => {
          const predicted = MatrixFactorizationRouter.scores(model, vector)
          return sigmoid(predicted[strong]! - predicted[weak]!)
        }),
      hyperParameters: { rank: chosen.rank, lambda: chosen.lambda },
      validation: {
        method:
          innerFolds > 1
            ? "pooled 5-fold inner cross-validation of the training prompts (identical prompts in one fold)"
            : "25 % validation split of the training prompts (identical prompts together)",
        validationPrompts: pooledItems.length,
        ...(Number.isFinite(bestValue)
          ? { pairwiseApgr: bestValue }
          : {
              // Every pairwise APGR was undefined: nothing to choose by, so the first setting is kept.
              selection:
                "no pair of models differs on the validation prompts, so no setting could be compared; the first one was used"
            })
      }
    }
  }
})

const pairItems = (set: TrainingSet) =>
  set.items.flatMap((item, index) => {
    const strong = item.scores[set.strongModel]
    const weak = item.scores[set.weakModel]
    return strong === undefined || weak === undefined
      ? []
      : [{ index, label: KnnRouter.pairLabel(strong, weak) }]
  })

/**
 * k-nearest neighbours on the strong/weak pair label; k from {10, 25, 50, 100} on a validation split.
 *
 * @since 0.1.0
 */
export const knn = (): Trainer => ({
  name: "knn",
  fit: (set) => {
    const labelled = pairItems(set)
    const vectors = labelled.map(({ index }) => set.embeddings[index]!)
    const labels = labelled.map(({ label }) => label)
    const split = Training.validationSplit(vectors.length, {
      fraction: 0.25,
      seed: set.seed,
      groups: labelled.map(({ index }) => set.items[index]!.prompt)
    })
    const trainIndex = KnnRouter.index(
      split.train.map((i) => vectors[i]!),
      split.train.map((i) => labels[i]!)
    )
    const ks = [10, 25, 50, 100]
    const predictions = KnnRouter.predictBatch(
      trainIndex,
      split.validation.map((i) => vectors[i]!),
      ks
    )
    let bestK = 50
    let bestValue = Number.NEGATIVE_INFINITY
    ks.forEach((k, column) => {
      const prompts = split.validation.map((i, row) => {
        const item = set.items[labelled[i]!.index]!
        return {
          winRate: predictions[row]![column]!,
          strongScore: item.scores[set.strongModel]!,
          weakScore: item.scores[set.weakModel]!
        }
      })
      const { strong, weak } = modelMeans(prompts)
      const value = curveMetrics(exactCurve(prompts), weak, strong).apgr
      if (value > bestValue) {
        bestValue = value
        bestK = k
      }
    })
    set.onProgress?.({ stage: "k on the validation split", done: 1, total: 2, detail: `k = ${bestK}` })
    const full = KnnRouter.index(vectors, labels)
    set.onProgress?.({ stage: "k on the validation split", done: 2, total: 2, detail: "indexed" })
    return {
      predict: (queries) => KnnRouter.predictBatch(full, queries, [bestK]).map(([winRate]) => winRate!),
      hyperParameters: { k: bestK },
      validation: {
        method: "25 % validation split of the strong/weak pairs (identical prompts together)",
        validationPairs: split.validation.length,
        ...(Number.isFinite(bestValue)
          ? { apgr: bestValue }
          : {
              selection: "the strong and weak models do not differ on the validation pairs; k = 50 was used"
            })
      }
    }
  }
})

/**
 * RouteLLM's similarity-weighted Bradley–Terry ranking over every model's battles.
 *
 * @since 0.1.0
 */
export const similarityWeighted = (): Trainer => ({
  name: "sw_ranking",
  fit: (set) => {
    const battles = SimilarityWeightedRouter.index(
      set.embeddings,
      set.items.map((item) => item.scores),
      set.models
    )
    set.onProgress?.({ stage: "battles", done: 1, total: 1 })
    const strong = set.models.indexOf(set.strongModel)
    const weak = set.models.indexOf(set.weakModel)
    return {
      predict: (queries) => SimilarityWeightedRouter.winRates(battles, queries, strong, weak),
      hyperParameters: {},
      validation:
        "none: sw_ranking has no hyper-parameters to choose, so it holds out no validation data (measure it with `llm-router bench quality`)"
    }
  }
})

/**
 * Logistic regression on the strong/weak pair label (Adam, early stopping on a validation split).
 *
 * @since 0.1.0
 */
export const classifier = (options: { readonly l2?: number } = {}): Trainer => ({
  name: "classifier",
  fit: (set) => {
    const labelled = pairItems(set)
    const epochs = 60
    const model = Training.trainLogistic(
      labelled.map(({ index }) => set.embeddings[index]!),
      labelled.map(({ label }) => label),
      {
        seed: set.seed,
        l2: options.l2 ?? 1e-3,
        epochs,
        learningRate: 0.01,
        groups: labelled.map(({ index }) => set.items[index]!.prompt),
        onProgress: (report) =>
          set.onProgress?.({
            stage: "epochs",
            done: report.epoch,
            total: epochs,
            detail: `validation loss ${report.validationLoss.toFixed(4)}`
          })
      }
    )
    const best = model.history.find((report) => report.epoch === model.bestEpoch)
    const ran = model.history.length
    if (ran < epochs)
      set.onProgress?.({
        stage: "epochs",
        done: epochs,
        total: epochs,
        detail: `stopped early after epoch ${ran}, best epoch ${model.bestEpoch}`
      })
    return {
      model,
      predict: (queries) => queries.map((query) => Training.predictLogistic(model, query)),
      hyperParameters: { l2: options.l2 ?? 1e-3, epochs, learningRate: 0.01 },
      validation: {
        method:
          "15 % validation split of the strong/weak pairs (identical prompts together), early stopping on its cross-entropy",
        bestEpoch: model.bestEpoch,
        epochsRun: ran,
        ...(best === undefined
          ? { selection: "the validation loss never improved; the initial parameters were kept" }
          : { bestValidationLoss: best.validationLoss, trainLossAtBestEpoch: best.trainLoss })
      }
    }
  }
})

/**
 * Blend of similarity-weighted kNN and ridge on the strong − weak score gap (`KnnRidgeTraining.fit`:
 * every hyper-parameter and the calibration from validation data of the training set).
 *
 * @since 0.1.0
 */
export const knnRidge = (): Trainer => ({
  name: "knn_ridge",
  fit: (set) => {
    const { model, report } = KnnRidgeTraining.fitWithReport(
      pairItems(set).map(({ index }) => ({
        embedding: set.embeddings[index]!,
        gap: set.items[index]!.scores[set.strongModel]! - set.items[index]!.scores[set.weakModel]!,
        group: set.items[index]!.prompt
      })),
      {
        seed: set.seed,
        onProgress: (done, total) => set.onProgress?.({ stage: "validation folds", done, total })
      }
    )
    return {
      model,
      predict: (queries) => KnnRidgeRouter.winRates(model, queries),
      hyperParameters: KnnRidgeRouter.hyperParameters(model),
      validation: Object.fromEntries(
        Object.entries(report).map(([key, value]) => [
          key,
          typeof value !== "number" || Number.isFinite(value)
            ? value
            : "undefined: the strong and weak models do not differ on the validation pairs"
        ])
      )
    }
  }
})

/**
 * Stacked router (`KnnLogisticTraining.fit`): level-1 neighbour means and ridge regressions of the
 * strong score, the weak score and their gap, then logistic regressions on those, the prompt's text
 * features and (with groups) a soft group posterior; every choice from inner cross-validation of the
 * training set. Needs the prompt texts at prediction time.
 *
 * @since 0.1.0
 */
export const knnLogistic = (options: KnnLogisticTraining.FitOptions = {}): Trainer => ({
  name: "knn_logistic",
  // About a minute per MMLU training fold: the benchmark runs it with the default embedder only.
  benchEmbedders: ["static+hashing-512"],
  // On MMLU about 330 s of CPU against about 25 s for a typical trainer.
  benchCost: 13,
  fit: (set) => {
    // `KnnLogisticTraining.fit` reports the end of each stage (neighbours, ridge, features, level 2
    // inner, [MLP inner,] level 2 final) and each level-2 inner fold (and MLP inner fold).
    const withMlp = (options.mlpConfigurations ?? []).length > 0 && (options.mlpEpochs ?? [1]).length > 0
    const steps = (withMlp ? 6 : 5) + (options.innerFolds ?? 5) * (withMlp ? 2 : 1)
    let finished = 0
    const { model, report } = KnnLogisticTraining.fit(
      pairItems(set).map(({ index }) => {
        const item = set.items[index]!
        return {
          embedding: set.embeddings[index]!,
          prompt: item.prompt,
          strongScore: item.scores[set.strongModel]!,
          weakScore: item.scores[set.weakModel]!,
          ...(item.group === undefined ? {} : { group: item.group })
        }
      }),
      {
        ...options,
        onProgress: (message) => {
          options.onProgress?.(message)
          finished = Math.min(finished + 1, steps)
          set.onProgress?.({ stage: "stages", done: finished, total: steps, detail: message })
        }
      }
    )
    const innerApgr = report.candidates.find((candidate) => candidate.name === report.chosen)?.apgr
    return {
      model,
      predict: (queries, prompts) => KnnLogisticRouter.winRates(model, queries, prompts),
      hyperParameters: {
        ...KnnLogisticRouter.hyperParameters(model),
        ...Object.fromEntries(
          Object.entries(report.levelOne).map(([key, value]) => [`levelOne.${key}`, value])
        ),
        chosen: report.chosen
      },
      validation: {
        method:
          "pooled inner out-of-fold exact APGR (folds by a hash of the prompt) of each level-2 candidate; the best is chosen",
        ...(innerApgr === undefined || !Number.isFinite(innerApgr)
          ? {
              selection:
                "no candidate had a defined inner APGR (the two models never differ); the first was used"
            }
          : { innerApgr }),
        ...Object.fromEntries(
          report.candidates.map((candidate) => [
            `innerApgr.${candidate.name}`,
            Number.isFinite(candidate.apgr) ? candidate.apgr : "undefined"
          ])
        )
      }
    }
  }
})

/**
 * Every trainer, by name: what `llm-router train` accepts and what the quality benchmark runs.
 *
 * @since 0.1.0
 */
export const trainers: ReadonlyArray<Trainer> = [
  matrixFactorization(),
  knn(),
  similarityWeighted(),
  classifier(),
  knnRidge(),
  knnLogistic()
]
