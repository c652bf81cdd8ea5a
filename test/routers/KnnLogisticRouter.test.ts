import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { train } from "../../src/cli/commands/train.ts"
import * as InnerValidation from "../../src/routers/InnerValidation.ts"
import * as KnnLogisticRouter from "../../src/routers/KnnLogisticRouter.ts"
import * as KnnLogisticTraining from "../../src/routers/KnnLogisticTraining.ts"
import * as KnnLogisticWeights from "../../src/routers/KnnLogisticWeights.ts"
import * as LogisticRegression from "../../src/routers/LogisticRegression.ts"
import * as PromptFeatures from "../../src/routers/PromptFeatures.ts"
import { makeRouter } from "../../src/routers/RouterRegistry.ts"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"
import * as SoftmaxMlp from "../../src/routers/SoftmaxMlp.ts"
import * as Weights from "../../src/routers/Weights.ts"
import { tableEmbedder } from "./support.ts"

const feature = (prompt: string, name: string, frequency = PromptFeatures.documentFrequency([])) =>
  PromptFeatures.features(prompt, frequency)[PromptFeatures.featureNames.indexOf(name)]!

// Synthetic prompts whose gap is decided by their text only: "calculate" prompts are won by the
// strong model alone most of the time, the others never; the embeddings are pure noise.
const synthetic = (count: number, seed: number) => {
  const random = SeededRandom.make(seed)
  const nouns = ["river", "market", "engine", "castle", "forest", "violin", "harbour", "comet"]
  return Array.from({ length: count }, (_, index) => {
    const calculation = random.next() < 0.5
    const noun = nouns[Math.floor(random.next() * nouns.length)]!
    const prompt = calculation
      ? `Calculate the length of the ${noun} number ${index}.`
      : `Describe the history of the ${noun} number ${index}.`
    const draw = random.next()
    const [strongScore, weakScore] = calculation
      ? draw < 0.7
        ? [1, 0]
        : [1, 1]
      : draw < 0.5
        ? [1, 1]
        : draw < 0.7
          ? [0, 1]
          : [0, 0]
    return {
      embedding: Array.from({ length: 6 }, () => random.next() - 0.5),
      prompt,
      strongScore: strongScore!,
      weakScore: weakScore!,
      group: `group ${index % 3}`
    }
  })
}

describe("PromptFeatures", () => {
  it("splits a multiple-choice prompt and counts its surface features", () => {
    const prompt = "Which of the following is NOT a prime?\nA. 2\nB. 3\nC. 4\nD. 5\nAnswer:"
    expect(PromptFeatures.parse(prompt)).toEqual({
      question: "Which of the following is NOT a prime?",
      options: ["2", "3", "4", "5"]
    })
    // The question has 38 characters, 4 of them upper case (W, N, O, T).
    expect(feature(prompt, "log_qlen")).toBeCloseTo(Math.log(39), 12)
    expect(feature(prompt, "caps_ratio")).toBeCloseTo(4 / 39, 12)
    expect(feature(prompt, "has_opts")).toBe(1)
    expect(feature(prompt, "neg_caps")).toBe(1)
    expect(feature(prompt, "which_following")).toBe(1)
    expect(feature(prompt, "opts_numeric")).toBe(1)
    // Options joined: "2 3 4 5", 4 digits in 7 characters.
    expect(feature(prompt, "opt_digits")).toBeCloseTo(4 / 8, 12)
    expect(feature(prompt, "opt_len_cv")).toBe(0)
    expect(feature(prompt, "opt_words")).toBeCloseTo(Math.log(2), 12)
    expect(feature(prompt, "opt_short")).toBe(1)
  })

  it("follows Python's Unicode rules: word boundaries, code-point lengths, digits", () => {
    // "é" is a word character for Python's \b, so "NOTé" is not the word NOT.
    expect(feature("Is it NOT?", "neg_caps")).toBe(1)
    expect(feature("Is it NOTé?", "neg_caps")).toBe(0)
    // Two emoji are two characters (four UTF-16 units).
    expect(feature("😀😀", "log_qlen")).toBeCloseTo(Math.log(3), 12)
    // "²" is a digit to str.isdigit: one digit among 4 characters.
    expect(feature("x² y", "q_digits")).toBeCloseTo(1 / 5, 12)
    expect(feature("Add 3 and 3.0 and 4", "n_distinct_nums")).toBeCloseTo(Math.log(3), 12)
    expect(feature("Add 3 and 3.0 and 4", "decimals")).toBe(1)
    expect(feature("  what is it", "wh_start")).toBe(1)
    expect(feature("So what is it", "wh_start")).toBe(0)
  })

  it("rarity features use the document frequencies of the training prompts", () => {
    const frequency = PromptFeatures.documentFrequency(["the cat", "the dog", "a cat"])
    // idf(the) = log(4 / 3), idf(dog) = log(4 / 2); no options: idf [0].
    expect(feature("The dog", "q_idf_mean", frequency)).toBeCloseTo((Math.log(4 / 3) + Math.log(2)) / 2, 12)
    expect(feature("The dog", "q_idf_top3", frequency)).toBeCloseTo((Math.log(4 / 3) + Math.log(2)) / 2, 12)
    expect(feature("The zebra", "q_idf_mean", frequency)).toBeCloseTo((Math.log(4 / 3) + Math.log(4)) / 2, 12)
    expect(feature("The dog", "o_idf_mean", frequency)).toBe(0)
    // A proper noun is a capitalised word not at the start and not after a sentence end.
    expect(feature("I met Alice. Then Bob and Carol", "propn", frequency)).toBeCloseTo(Math.log(4), 12)
  })
})

describe("KnnLogisticTraining", () => {
  it("logistic regression: closed-form optimum of a saturated model, zero gradient in general", () => {
    // One binary feature and no penalty: each group's probability is its mean label.
    const design = Float64Array.from([0, 0, 0, 0, 1, 1, 1, 1])
    const labels = [1, 0, 0, 0, 1, 1, 1, 0]
    const [slope, bias] = LogisticRegression.fitLogistic(design, 8, 1, labels, 0, { tolerance: 1e-12 })
    expect(bias).toBeCloseTo(Math.log(1 / 3), 9)
    expect(slope).toBeCloseTo(2 * Math.log(3), 9)
    const random = SeededRandom.make(5)
    const rows = 200
    const width = 4
    const x = Float64Array.from({ length: rows * width }, () => random.next() * 2 - 1)
    const y = Array.from({ length: rows }, (_, r) =>
      x[r * width]! - x[r * width + 1]! + random.next() - 0.5 > 0 ? 1 : 0
    )
    const weights = LogisticRegression.fitLogistic(x, rows, width, y, 0.01)
    const gradient = LogisticRegression.logisticGradient(x, rows, width, y, 0.01, weights)
    for (const value of gradient) expect(Math.abs(value)).toBeLessThan(1e-7)
    // The penalty shrinks: a larger l2 gives smaller weights.
    const shrunk = LogisticRegression.fitLogistic(x, rows, width, y, 1)
    expect(Math.abs(shrunk[0]!)).toBeLessThan(Math.abs(weights[0]!))
  })

  it("exact APGR and hash folds", () => {
    // Perfect ranking of gaps [1, 0]: area of the curve through (0, 0), (0.5, 1), (1, 1) = 0.75.
    expect(InnerValidation.exactApgr([2, 1], [1, 0], [0, 0])).toBeCloseTo(0.75, 12)
    expect(InnerValidation.exactApgr([1, 2], [1, 0], [0, 0])).toBeCloseTo(0.25, 12)
    expect(InnerValidation.crc32("hello")).toBe(0x3610a686)
    const folds = InnerValidation.hashFolds(["a", "b", "a"], 5, 1)
    expect(folds[0]).toBe(folds[2])
  })

  it("learns a gap decided by the text, deterministically", () => {
    const training = synthetic(300, 1)
    const heldOut = synthetic(200, 2)
    const options = { ks: [10, 40], temperatures: [0, 0.1], l2s: [0.01, 0.1] }
    const { model, report } = KnnLogisticTraining.fit(training, options)
    const rates = KnnLogisticRouter.winRates(
      model,
      heldOut.map((example) => example.embedding),
      heldOut.map((example) => example.prompt)
    )
    const apgr = InnerValidation.exactApgr(
      rates,
      heldOut.map((example) => example.strongScore),
      heldOut.map((example) => example.weakScore)
    )
    expect(report.chosen).toMatch(/^LS?\(/)
    expect(apgr).toBeGreaterThan(0.7)
    // No MLP candidates unless asked for; with them: 4 configurations × 7 epoch counts, and E.
    expect(report.candidates.some((candidate) => /^[ME]\(/.test(candidate.name))).toBe(false)
    const withMlp = KnnLogisticTraining.fit(training, {
      ...options,
      mlpConfigurations: KnnLogisticTraining.MLP_CONFIGURATIONS
    })
    const names = withMlp.report.candidates.map((candidate) => candidate.name)
    expect(names.filter((name) => name.startsWith("M(")).length).toBe(28)
    expect(names.filter((name) => name.startsWith("E(")).length).toBe(1)
    for (const candidate of withMlp.report.candidates) expect(Number.isFinite(candidate.apgr)).toBe(true)
    expect(() => KnnLogisticTraining.fit(training, { ...options, l2s: [], alphas: [] })).toThrow(
      /no level-2 candidates/
    )
    for (const rate of rates) expect(rate >= 0 && rate <= 1).toBe(true)
    // The per-prompt path gives the batch numbers.
    expect(KnnLogisticRouter.winRate(model, heldOut[0]!.embedding, heldOut[0]!.prompt)).toBeCloseTo(
      rates[0]!,
      12
    )
    const again = KnnLogisticTraining.fit(training, options)
    expect(again.report.chosen).toBe(report.chosen)
    expect(
      KnnLogisticRouter.winRates(
        again.model,
        heldOut.map((example) => example.embedding),
        heldOut.map((example) => example.prompt)
      )
    ).toEqual(rates)
  })
})

describe("KnnLogisticRouter weights", () => {
  it.effect(
    "save and load give identical win rates; corrupt weights fail with the file and the problem",
    () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "knn-logistic-"))
        const training = synthetic(150, 3)
        // Logistic and blend candidates only (MLP heads: the next test).
        const { model } = KnnLogisticTraining.fit(training, {
          ks: [10, 40],
          temperatures: [0, 0.1],
          l2s: [0.1]
        })
        const path = join(dir, "kl.json")
        yield* KnnLogisticWeights.save(path, model, { embedder: "table" })
        const loaded = yield* KnnLogisticWeights.fromWeights(yield* Weights.loadWeights(path))
        const probe = synthetic(20, 4)
        const embeddings = probe.map((example) => example.embedding)
        const prompts = probe.map((example) => example.prompt)
        expect(KnnLogisticRouter.winRates(loaded, embeddings, prompts)).toEqual(
          KnnLogisticRouter.winRates(model, embeddings, prompts)
        )
        const router = yield* KnnLogisticRouter.make({
          model: loaded,
          embedder: tableEmbedder(6, { [prompts[0]!]: embeddings[0]! })
        })
        // The embedder gives float32 vectors.
        expect(yield* router.winRate(prompts[0]!)).toBe(
          KnnLogisticRouter.winRate(model, Float32Array.from(embeddings[0]!), prompts[0]!)
        )

        const manifest = JSON.parse(readFileSync(path, "utf8")) as { extra: Record<string, unknown> }
        const head = manifest.extra["head"] as { kind: string; strongWins?: Array<number> }
        const corrupt = (name: string, extra: Record<string, unknown>) => {
          writeFileSync(
            join(dir, name),
            JSON.stringify({ ...manifest, extra: { ...manifest.extra, ...extra } })
          )
          return Effect.flip(makeRouter("knn_logistic", { weights: join(dir, name), embedder: "hashing-6" }))
        }
        // The text decides the gap, so a logistic head wins over the blends.
        expect(head.kind).not.toBe("base")
        const short = yield* corrupt("short.json", {
          head: { ...head, strongWins: head.strongWins!.slice(1) }
        })
        expect(short.reason).toBe("InvalidWeights")
        expect(short.message).toContain(join(dir, "short.json"))
        expect(short.message).toContain("logistic weights")
        const missing = yield* corrupt("missing.json", { calibrationSlope: "steep" })
        expect(missing.reason).toBe("InvalidWeights")
        expect(missing.message).toContain("calibrationSlope")
        const badGroups = yield* corrupt("groups.json", { groupNames: [] })
        expect(badGroups.message).toContain("group")
        const noWeights = yield* Effect.flip(makeRouter("knn_logistic"))
        expect(noWeights.reason).toBe("InvalidInput")
        expect(noWeights.message).toContain("no shipped default weights")
        const wrongDimension = yield* Effect.exit(
          KnnLogisticRouter.make({ model, embedder: tableEmbedder(4, {}) })
        )
        expect(Exit.isFailure(wrongDimension)).toBe(true)
      })
  )

  it.effect(
    "MLP and ensemble heads: saved and loaded with identical win rates; a wrong MLP tensor is refused",
    () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "knn-logistic-mlp-"))
        const training = synthetic(150, 3)
        const { model } = KnnLogisticTraining.fit(training, {
          ks: [10, 40],
          temperatures: [0, 0.1],
          l2s: [0.1],
          mlpConfigurations: []
        })
        expect(model.head.kind).toMatch(/^LS?$/)
        const logistic = model.head as KnnLogisticRouter.LogisticHead
        // Two float32-exact networks over the six level-1 inputs and the kept features.
        const inputs = 6 + model.featureColumns.length
        const random = SeededRandom.make(11)
        const networks = [0, 1].map(() =>
          SoftmaxMlp.unflatten(
            Float32Array.from({ length: SoftmaxMlp.parameterCount(inputs, 4) }, () => random.nextGaussian()),
            inputs,
            4
          )
        )
        const mlp: KnnLogisticRouter.MlpHead = { kind: "M", hidden: 4, l2: 0.001, epochs: 10, networks }
        const probe = synthetic(20, 4)
        const embeddings = probe.map((example) => example.embedding)
        const prompts = probe.map((example) => example.prompt)
        const ratesOf = (head: KnnLogisticRouter.Head) =>
          KnnLogisticRouter.winRates({ ...model, head }, embeddings, prompts)
        const ensemble: KnnLogisticRouter.Head = {
          kind: "E",
          logistic,
          mlp,
          logisticScale: { mean: 0.05, scale: 0.3 },
          mlpScale: { mean: -0.1, scale: 0.7 }
        }
        // Each part changes the ensemble's numbers.
        expect(ratesOf(ensemble)).not.toEqual(ratesOf(logistic))
        expect(ratesOf(ensemble)).not.toEqual(
          ratesOf({ ...ensemble, mlp: { ...mlp, networks: [networks[0]!] } })
        )
        for (const head of [mlp, ensemble]) {
          const path = join(dir, `${head.kind}.json`)
          yield* KnnLogisticWeights.save(path, { ...model, head }, { embedder: "table" })
          const loaded = yield* KnnLogisticWeights.fromWeights(yield* Weights.loadWeights(path))
          expect(loaded.head.kind).toBe(head.kind)
          expect(KnnLogisticRouter.winRates(loaded, embeddings, prompts)).toEqual(ratesOf(head))
        }
        // A head trained by fit (MLP candidates only): saved and loaded with the same numbers.
        const trained = KnnLogisticTraining.fit(training, {
          ks: [10, 40],
          temperatures: [0, 0.1],
          l2s: [],
          alphas: [],
          mlpConfigurations: [{ hidden: 4, l2: 0.001 }],
          mlpEpochs: [5, 10],
          mlpNetworks: 2
        })
        expect(trained.report.chosen).toMatch(/^M\(4, 0.001, (5|10)\)$/)
        expect(trained.model.head.kind === "M" && trained.model.head.networks.length).toBe(2)
        yield* KnnLogisticWeights.save(join(dir, "trained.json"), trained.model, { embedder: "table" })
        const reloaded = yield* KnnLogisticWeights.fromWeights(
          yield* Weights.loadWeights(join(dir, "trained.json"))
        )
        expect(KnnLogisticRouter.winRates(reloaded, embeddings, prompts)).toEqual(
          KnnLogisticRouter.winRates(trained.model, embeddings, prompts)
        )
        const manifest = JSON.parse(readFileSync(join(dir, "E.json"), "utf8")) as {
          extra: { head: { mlp: Record<string, unknown> } }
        }
        const wrong = { ...manifest.extra.head, mlp: { ...manifest.extra.head.mlp, networks: 3 } }
        writeFileSync(
          join(dir, "wrong.json"),
          JSON.stringify({ ...manifest, extra: { ...manifest.extra, head: wrong } })
        )
        const error = yield* Effect.flip(
          makeRouter("knn_logistic", { weights: join(dir, "wrong.json"), embedder: "hashing-6" })
        )
        expect(error.reason).toBe("InvalidWeights")
        expect(error.message).toContain(join(dir, "wrong.json"))
        expect(error.message).toContain("3 MLPs of 4 hidden units")
        expect(error.message).toContain("mlp")
      })
  )

  it.effect("llm-router train --router knn_logistic writes weights that --router knn_logistic loads", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "knn-logistic-train-"))
      const lines = synthetic(120, 6).map((example) =>
        JSON.stringify({
          prompt: example.prompt,
          scores: { big: example.strongScore, small: example.weakScore }
        })
      )
      writeFileSync(join(dir, "data.jsonl"), lines.join("\n"))
      const output = join(dir, "out", "kl.json")
      const result = yield* train({
        data: join(dir, "data.jsonl"),
        router: "knn_logistic",
        embedder: "hashing",
        output,
        strongModel: "big",
        weakModel: "small"
      })
      expect(result.router).toBe("knn_logistic")
      const manifest = JSON.parse(readFileSync(output, "utf8")) as { router: string; embedder: string }
      expect(manifest.router).toBe("knn_logistic")
      const router = yield* makeRouter("knn_logistic", { weights: output })
      const rate = yield* router.winRate("Calculate the length of the comet number 7.")
      expect(rate).toBeGreaterThanOrEqual(0)
      expect(rate).toBeLessThanOrEqual(1)
    })
  )
})
