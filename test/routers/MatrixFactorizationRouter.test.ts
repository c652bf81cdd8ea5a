import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as RouteLLMCheckpoint from "../../src/routers/RouteLLMCheckpoint.ts"
import * as MatrixFactorizationRouter from "../../src/routers/MatrixFactorizationRouter.ts"
import * as Safetensors from "../../src/routers/Safetensors.ts"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"
import * as Weights from "../../src/routers/Weights.ts"
import { tableEmbedder } from "./support.ts"

const spearman = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => {
  const rank = (v: ReadonlyArray<number>) => {
    const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0])
    const r = new Array<number>(v.length)
    order.forEach(([, i], position) => (r[i] = position))
    return r
  }
  const ra = rank(a)
  const rb = rank(b)
  const n = a.length
  const d2 = ra.reduce((sum, x, i) => sum + (x - rb[i]!) ** 2, 0)
  return 1 - (6 * d2) / (n * (n * n - 1))
}

describe("MatrixFactorizationRouter", () => {
  // Synthetic truth: each model's score = mean + gain × difficulty(x), difficulty linear in x.
  const random = SeededRandom.make(11)
  const direction = [0.8, -0.5, 0.3, 0, 0.1, 0, 0, 0.2]
  const gains: Record<string, number> = { strong: 0.2, mid: 1, weak: 2, tiny: 2.5 }
  const means: Record<string, number> = { strong: 9, mid: 7, weak: 6, tiny: 4 }
  const sample = (count: number) =>
    Array.from({ length: count }, () => {
      const x = direction.map(() => random.nextGaussian())
      const difficulty = x.reduce((sum, value, i) => sum + value * direction[i]!, 0)
      const scores = Object.fromEntries(
        Object.keys(gains).map((m) => [m, means[m]! - gains[m]! * difficulty + 0.1 * random.nextGaussian()])
      )
      return { x, difficulty, scores }
    })
  const train = sample(300)
  const test = sample(100)
  const models = ["mid", "strong", "tiny", "weak"]

  it("fit recovers the shared difficulty direction (rank 1)", () => {
    const model = MatrixFactorizationRouter.fit(
      train.map((r) => r.x),
      train.map((r) => r.scores),
      models,
      { rank: 1, lambda: 1 }
    )
    expect(model.rank).toBe(1)
    const strong = models.indexOf("strong")
    const weak = models.indexOf("weak")
    const predictedGap = test.map((r) => {
      const s = MatrixFactorizationRouter.scores(model, r.x)
      return s[strong]! - s[weak]!
    })
    // true gap = (2 - 0.2) × difficulty + const: rises with difficulty
    expect(
      spearman(
        predictedGap,
        test.map((r) => r.difficulty)
      )
    ).toBeGreaterThan(0.95)
  })

  it("the strong/weak pair is learnt from other models' scores when it is rarely observed", () => {
    const sparse = train.map((r, i) =>
      i % 10 === 0 ? r.scores : { mid: r.scores["mid"]!, tiny: r.scores["tiny"]! }
    )
    const model = MatrixFactorizationRouter.fit(
      train.map((r) => r.x),
      sparse,
      models,
      { rank: 1, lambda: 1 }
    )
    const gap = test.map((r) => {
      const s = MatrixFactorizationRouter.scores(model, r.x)
      return s[models.indexOf("strong")]! - s[models.indexOf("weak")]!
    })
    expect(
      spearman(
        gap,
        test.map((r) => r.difficulty)
      )
    ).toBeGreaterThan(0.9)
  })

  it.effect("router: win rate = sigmoid(score difference), saved and reloaded from weights", () =>
    Effect.gen(function* () {
      const model = MatrixFactorizationRouter.fit(
        train.map((r) => r.x),
        train.map((r) => r.scores),
        models,
        { rank: 1, lambda: 1 }
      )
      const dir = mkdtempSync(join(tmpdir(), "mf-"))
      yield* MatrixFactorizationRouter.save(join(dir, "mf.json"), model, { embedder: "table" })
      const loaded = yield* MatrixFactorizationRouter.fromWeights(
        yield* Weights.loadWeights(join(dir, "mf.json"))
      )
      const hard = test.reduce((a, b) => (a.difficulty > b.difficulty ? a : b))
      const easy = test.reduce((a, b) => (a.difficulty < b.difficulty ? a : b))
      const embedder = tableEmbedder(8, { hard: hard.x, easy: easy.x })
      const router = yield* MatrixFactorizationRouter.make({
        model: loaded,
        embedder,
        strongModel: "strong",
        weakModel: "weak"
      })
      const s = MatrixFactorizationRouter.scores(model, hard.x)
      expect(yield* router.winRate("hard")).toBeCloseTo(
        1 / (1 + Math.exp(-(s[models.indexOf("strong")]! - s[models.indexOf("weak")]!))),
        5
      )
      expect(yield* router.winRate("hard")).toBeGreaterThan(yield* router.winRate("easy"))
      const predicted = yield* router.predict("hard")
      expect(Object.keys(predicted).sort()).toEqual([...models].sort())
      const unknown = yield* Effect.exit(
        MatrixFactorizationRouter.make({ model, embedder, strongModel: "gpt-9", weakModel: "weak" })
      )
      expect(Exit.isFailure(unknown)).toBe(true)
      const wrongDimension = yield* Effect.exit(
        MatrixFactorizationRouter.make({
          model,
          embedder: tableEmbedder(3, {}),
          strongModel: "strong",
          weakModel: "weak"
        })
      )
      expect(Exit.isFailure(wrongDimension)).toBe(true)
    })
  )

  it.effect("loads a synthetic RouteLLM mf checkpoint and computes RouteLLM's forward pass", () =>
    Effect.gen(function* () {
      const dim = 4
      const textDim = 6
      const rand = SeededRandom.make(5)
      const p = Array.from({ length: 64 * dim }, () => rand.nextGaussian())
      const proj = Array.from({ length: dim * textDim }, () => rand.nextGaussian())
      const classifier = Array.from({ length: dim }, () => rand.nextGaussian())
      const bytes = Safetensors.serialize([
        { name: "P.weight", shape: [64, dim], data: p },
        { name: "text_proj.0.weight", shape: [dim, textDim], data: proj },
        { name: "classifier.0.weight", shape: [1, dim], data: classifier }
      ])
      const model = yield* RouteLLMCheckpoint.load(bytes)
      const x = [0.3, -1, 0.5, 0.2, 0, 0.7]
      // RouteLLM: logit(m) = classifier · (normalize(P[m]) ⊙ (text_proj x)); win = σ(logit(a) − logit(b))
      const projected = Array.from({ length: dim }, (_, r) =>
        x.reduce((sum, v, i) => sum + v * proj[r * textDim + i]!, 0)
      )
      const logit = (m: number) => {
        const row = p.slice(m * dim, (m + 1) * dim)
        const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0))
        return row.reduce((s, v, r) => s + classifier[r]! * (v / norm) * projected[r]!, 0)
      }
      const gpt4 = 24
      const mixtral = 36
      const router = yield* MatrixFactorizationRouter.make({
        model,
        embedder: tableEmbedder(textDim, { q: x }),
        strongModel: "gpt-4-1106-preview",
        weakModel: "mixtral-8x7b-instruct-v0.1"
      })
      expect(yield* router.winRate("q")).toBeCloseTo(1 / (1 + Math.exp(-(logit(gpt4) - logit(mixtral)))), 5)
    })
  )

  it.effect("rejects checkpoints with wrong tensor names or shapes, and corrupt bytes", () =>
    Effect.gen(function* () {
      const wrongShape = Safetensors.serialize([
        { name: "P.weight", shape: [10, 2], data: new Array(20).fill(0) },
        { name: "text_proj.0.weight", shape: [2, 3], data: new Array(6).fill(0) },
        { name: "classifier.0.weight", shape: [1, 2], data: [1, 1] }
      ])
      const exit = yield* Effect.exit(RouteLLMCheckpoint.load(wrongShape, "ckpt"))
      expect(
        Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.reason === "ShapeMismatch"
      ).toBe(true)
      expect(
        Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.message.includes("P.weight")
      ).toBe(true)
      const truncated = Safetensors.parse(wrongShape.subarray(0, 40))
      expect(Either.isLeft(truncated)).toBe(true)
      const dir = mkdtempSync(join(tmpdir(), "ckpt-"))
      writeFileSync(join(dir, "x.safetensors"), new Uint8Array([1, 2, 3]))
      expect(Either.isLeft(Safetensors.parse(new Uint8Array([1, 2, 3])))).toBe(true)
      // A JSON file or random bytes: "not a safetensors file", not a nonsense header length.
      for (const bytes of [
        new TextEncoder().encode('{"router":"mf","tensors":{}}'),
        Uint8Array.from({ length: 64 }, (_, index) => (index * 37 + 11) % 256)
      ]) {
        const notSafetensors = Safetensors.parse(bytes)
        expect(Either.isLeft(notSafetensors) && notSafetensors.left.message).toContain(
          "not a safetensors file"
        )
      }
    })
  )
})
