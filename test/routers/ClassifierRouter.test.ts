import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as ClassifierRouter from "../../src/routers/ClassifierRouter.ts"
import * as OnnxGraph from "../../src/routers/OnnxGraph.ts"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"
import * as Training from "../../src/routers/Training.ts"
import { tableEmbedder } from "./support.ts"

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

describe("ClassifierRouter", () => {
  it.effect("runs the logistic-regression ONNX graph it writes with onnxruntime-node", () =>
    Effect.gen(function* () {
      const bytes = OnnxGraph.logisticRegression([1, -2, 0.5], 0.1)
      const router = yield* ClassifierRouter.make({
        embedder: tableEmbedder(3, { q: [0.3, 0.2, -1] }),
        model: bytes
      })
      // 0.3 - 0.4 - 0.5 + 0.1 = -0.5
      expect(yield* router.winRate("q")).toBeCloseTo(sigmoid(-0.5), 5)
    })
  )

  it.effect("runs a user's own ONNX graph from a file, reading the named output column", () =>
    Effect.gen(function* () {
      // A two-class "classifier": outputs [1 - p, p] via Concat of (1 - sigmoid) and sigmoid.
      const graph = OnnxGraph.encodeModel({
        name: "two_class",
        nodes: [
          { opType: "MatMul", inputs: ["features", "w"], outputs: ["z"] },
          { opType: "Sigmoid", inputs: ["z"], outputs: ["p"] },
          { opType: "Sub", inputs: ["one", "p"], outputs: ["q"] },
          { opType: "Concat", inputs: ["q", "p"], outputs: ["probabilities"] }
        ],
        initializers: [
          { name: "w", dims: [2, 1], values: [2, 0] },
          { name: "one", dims: [1], values: [1] }
        ],
        inputs: [{ name: "features", shape: ["batch", 2] }],
        outputs: [{ name: "probabilities", shape: ["batch", 2] }]
      })
      // Concat needs an axis attribute, which this tiny writer does not emit: expect a clear failure…
      const dir = mkdtempSync(join(tmpdir(), "onnx-"))
      writeFileSync(join(dir, "two.onnx"), graph)
      const broken = yield* Effect.exit(
        Effect.flatMap(
          ClassifierRouter.make({
            embedder: tableEmbedder(2, { q: [1, 0] }),
            model: join(dir, "two.onnx"),
            inputName: "features"
          }),
          (router) => router.winRate("q")
        )
      )
      expect(Exit.isFailure(broken)).toBe(true)
      // …and a valid user graph with a custom input name works.
      writeFileSync(
        join(dir, "lr.onnx"),
        OnnxGraph.encodeModel({
          name: "user",
          nodes: [
            { opType: "MatMul", inputs: ["features", "w"], outputs: ["z"] },
            { opType: "Sigmoid", inputs: ["z"], outputs: ["score"] }
          ],
          initializers: [{ name: "w", dims: [2, 1], values: [2, 0] }],
          inputs: [{ name: "features", shape: ["batch", 2] }],
          outputs: [{ name: "score", shape: ["batch", 1] }]
        })
      )
      const router = yield* ClassifierRouter.make({
        embedder: tableEmbedder(2, { q: [1, 0] }),
        model: join(dir, "lr.onnx"),
        inputName: "features",
        outputName: "score"
      })
      expect(yield* router.winRate("q")).toBeCloseTo(sigmoid(2), 5)
      // Without names: the graph's only input, and its "probabilities" output (as skl2onnx names
      // them) rather than its first output.
      writeFileSync(
        join(dir, "exported.onnx"),
        OnnxGraph.encodeModel({
          name: "exported",
          nodes: [
            { opType: "MatMul", inputs: ["float_input", "w"], outputs: ["raw"] },
            { opType: "Sigmoid", inputs: ["raw"], outputs: ["probabilities"] }
          ],
          initializers: [{ name: "w", dims: [2, 1], values: [2, 0] }],
          inputs: [{ name: "float_input", shape: ["batch", 2] }],
          outputs: [
            { name: "raw", shape: ["batch", 1] },
            { name: "probabilities", shape: ["batch", 1] }
          ]
        })
      )
      const exported = yield* ClassifierRouter.make({
        embedder: tableEmbedder(2, { q: [1, 0] }),
        model: join(dir, "exported.onnx")
      })
      expect(yield* exported.winRate("q")).toBeCloseTo(sigmoid(2), 5)
    })
  )

  it.effect("fails with InvalidWeights on garbage bytes or a wrong input name", () =>
    Effect.gen(function* () {
      const garbage = yield* Effect.exit(
        ClassifierRouter.make({ embedder: tableEmbedder(3, {}), model: new Uint8Array([8, 1, 2, 3, 255]) })
      )
      expect(
        Exit.isFailure(garbage) &&
          garbage.cause._tag === "Fail" &&
          garbage.cause.error.reason === "InvalidWeights"
      ).toBe(true)
      const wrongInput = yield* Effect.exit(
        ClassifierRouter.make({
          embedder: tableEmbedder(3, {}),
          model: OnnxGraph.logisticRegression([1, 1, 1], 0),
          inputName: "tokens"
        })
      )
      expect(
        Exit.isFailure(wrongInput) &&
          wrongInput.cause._tag === "Fail" &&
          wrongInput.cause.error.message.includes("tokens")
      ).toBe(true)
    })
  )

  it.effect("fails when it is built, not on the first prompt, for a graph of another embedding size", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "classifier-dimension-"))
      const file = join(dir, "four.onnx")
      writeFileSync(file, OnnxGraph.logisticRegression([1, 1, 1, 1], 0))
      const error = yield* Effect.flip(ClassifierRouter.make({ embedder: tableEmbedder(3, {}), model: file }))
      expect(error.reason).toBe("InvalidWeights")
      expect(error.message).toContain(`the ONNX model ${file} does not accept a 3-d embedding`)
    })
  )
})

describe("Training.trainLogistic", () => {
  const random = SeededRandom.make(3)
  const x = Array.from({ length: 400 }, () => [
    random.nextGaussian(),
    random.nextGaussian(),
    random.nextGaussian()
  ])
  const y = x.map((row) => (2 * row[0]! - row[1]! > 0 ? 1 : 0))

  it("learns a separable rule, deterministically, reporting progress and stopping early", () => {
    const reports: Array<number> = []
    const model = Training.trainLogistic(x, y, {
      seed: 1,
      epochs: 200,
      patience: 5,
      onProgress: (report) => reports.push(report.epoch)
    })
    const accuracy =
      x.filter((row, i) => (Training.predictLogistic(model, row) > 0.5 ? 1 : 0) === y[i]).length / x.length
    expect(accuracy).toBeGreaterThan(0.95)
    expect(model.weights[0]!).toBeGreaterThan(0)
    expect(model.weights[1]!).toBeLessThan(0)
    expect(reports.length).toBeGreaterThan(0)
    expect(reports.length).toBe(model.history.length)
    const again = Training.trainLogistic(x, y, { seed: 1, epochs: 200, patience: 5 })
    expect(Array.from(again.weights)).toEqual(Array.from(model.weights))
    // pure-noise labels: validation loss stops improving, training stops before the epoch budget
    const noise = x.map(() => (random.next() < 0.5 ? 1 : 0))
    const stopped = Training.trainLogistic(x, noise, {
      seed: 2,
      epochs: 500,
      patience: 3,
      learningRate: 0.05
    })
    expect(stopped.history.length).toBeLessThan(500)
  })

  it("validationSplit keeps groups together and is seeded", () => {
    const groups = ["a", "a", "b", "c", "c", "d", "e", "f", "g", "h"]
    const split = Training.validationSplit(groups.length, { fraction: 0.3, seed: 4, groups })
    const trainGroups = new Set(split.train.map((i) => groups[i]))
    expect(split.validation.every((i) => !trainGroups.has(groups[i]))).toBe(true)
    expect(split.train.length + split.validation.length).toBe(groups.length)
    expect(Training.validationSplit(groups.length, { fraction: 0.3, seed: 4, groups })).toEqual(split)
  })
})
