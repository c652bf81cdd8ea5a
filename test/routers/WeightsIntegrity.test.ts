/**
 * Weight files that do not fit their manifest, and manifests naming no usable pair of models: each
 * must be refused naming the tensor or field, never give a constant win rate for every prompt.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as HashingEmbedder from "../../src/embeddings/HashingEmbedder.ts"
import * as ClassifierRouter from "../../src/routers/ClassifierRouter.ts"
import * as MatrixFactorizationRouter from "../../src/routers/MatrixFactorizationRouter.ts"
import { defaultWeightsPath, makeRouter } from "../../src/routers/RouterRegistry.ts"
import * as SimilarityWeightedRouter from "../../src/routers/SimilarityWeightedRouter.ts"
import * as Weights from "../../src/routers/Weights.ts"

const failure = <E>(exit: Exit.Exit<unknown, E>): E | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

/** A copy of a shipped manifest and its tensor file in a scratch folder, the manifest edited. */
const shippedCopy = (router: string, edit: (manifest: Record<string, unknown>) => void, binary?: Buffer) => {
  const dir = mkdtempSync(join(tmpdir(), `weights-${router}-`))
  const source = defaultWeightsPath(router)
  const manifest = JSON.parse(readFileSync(source, "utf8")) as Record<string, unknown>
  edit(manifest)
  const path = join(dir, `${router}-default.json`)
  writeFileSync(path, JSON.stringify(manifest))
  const bin = source.replace(/\.json$/, ".bin")
  const target = join(dir, `${router}-default.bin`)
  if (binary === undefined) copyFileSync(bin, target)
  else writeFileSync(target, binary)
  return path
}

const tensorsOf = (manifest: Record<string, unknown>) =>
  manifest["tensors"] as Record<string, { offset: number; dtype: string; shape: Array<number> }>

describe("weights layout", () => {
  it.effect("a misaligned or overlapping tensor offset names the tensor and the problem", () =>
    Effect.gen(function* () {
      const misaligned = shippedCopy(
        "mf",
        (manifest) => void (tensorsOf(manifest)["modelBias"]!.offset = 8303)
      )
      const error = failure(yield* Effect.exit(Weights.loadWeights(misaligned)))
      expect(error).toMatchObject({ _tag: "WeightsError", reason: "Corrupt" })
      expect(error?.message).toContain('tensor "modelBias"')
      expect(error?.message).toContain("the manifest does not match the file")
      // Through the router, as `score --weights` builds it: an error, not winRate 1 for everything.
      const routed = failure(yield* Effect.exit(makeRouter("mf", { weights: misaligned })))
      expect(routed?.message).toContain('tensor "modelBias"')

      const overlapping = shippedCopy(
        "mf",
        (manifest) => void (tensorsOf(manifest)["modelBias"]!.offset = 8300)
      )
      const overlap = failure(yield* Effect.exit(Weights.loadWeights(overlapping)))
      expect(overlap?.message).toContain('tensor "modelBias"')
      expect(overlap?.message).toContain('overlaps tensor "modelVectors"')
    })
  )

  it.effect("files written before tensors were padded still load: a float32 tensor at an odd offset", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "weights-unpadded-"))
      // Three float16 values (6 bytes) then two float32 values at byte 6, as the old writer laid them out.
      const bin = Buffer.alloc(14)
      bin.writeUInt16LE(Weights.floatToHalf(1), 0)
      bin.writeUInt16LE(Weights.floatToHalf(-2), 2)
      bin.writeUInt16LE(Weights.floatToHalf(0.5), 4)
      bin.writeFloatLE(3.25, 6)
      bin.writeFloatLE(-7.5, 10)
      writeFileSync(join(dir, "old.bin"), bin)
      writeFileSync(
        join(dir, "old.json"),
        JSON.stringify({
          format: "effect-llm-router/weights@1",
          router: "knn",
          embedder: "hashing-3",
          file: "old.bin",
          tensors: {
            halves: { dtype: "float16", shape: [3], offset: 0 },
            floats: { dtype: "float32", shape: [2], offset: 6 }
          }
        })
      )
      const loaded = yield* Weights.loadWeights(join(dir, "old.json"))
      expect(Array.from(loaded.tensors.get("halves")!.data)).toEqual([1, -2, 0.5])
      expect(Array.from(loaded.tensors.get("floats")!.data)).toEqual([3.25, -7.5])
    })
  )

  it.effect(
    "a tensor file larger than its tensors, or with bytes no tensor covers, is not this manifest's",
    () =>
      Effect.gen(function* () {
        const bin = readFileSync(defaultWeightsPath("mf").replace(/\.json$/, ".bin"))
        const doubled = shippedCopy("mf", () => undefined, Buffer.concat([bin, bin]))
        const error = failure(yield* Effect.exit(Weights.loadWeights(doubled)))
        expect(error?.reason).toBe("Corrupt")
        expect(error?.message).toContain(
          `has ${bin.byteLength * 2} bytes but the manifest's tensors end at byte 8360`
        )

        const gap = shippedCopy(
          "mf",
          (manifest) => {
            const tensors = tensorsOf(manifest)
            tensors["modelBias"]!.offset = 8304 + 56
          },
          Buffer.concat([bin, Buffer.alloc(56)])
        )
        expect(failure(yield* Effect.exit(Weights.loadWeights(gap)))?.message).toContain("bytes 8304–8359 of")
      })
  )

  it.effect("every shipped manifest still loads", () =>
    Effect.gen(function* () {
      for (const file of readdirSync(Weights.shippedWeightsDir).filter(
        (name) => name.endsWith(".json") && !name.endsWith(".vocab.json")
      ))
        yield* Weights.loadWeights(join(Weights.shippedWeightsDir, file))
    })
  )

  it.effect("saveWeights aligns each tensor to its element size, so what it writes loads", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "weights-align-"))
      const path = join(dir, "w.json")
      const written = yield* Weights.saveWeights(path, { router: "knn" }, [
        { name: "half", shape: [3], data: [1, 2, 3], dtype: "float16" },
        { name: "single", shape: [2], data: [4, 5] }
      ])
      expect(written.tensors["single"]!.offset).toBe(8)
      const loaded = yield* Weights.loadWeights(path)
      expect(Array.from(yield* Weights.tensor(loaded, "single", [2]))).toEqual([4, 5])
    })
  )
})

describe("weights writer", () => {
  it.effect("a manifest path that is a directory fails before any file is written", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "weights-dir-"))
      const target = join(dir, "somedir")
      mkdirSync(target)
      const error = failure(
        yield* Effect.exit(
          Weights.saveWeights(target, { router: "knn" }, [{ name: "x", shape: [1], data: [1] }])
        )
      )
      expect(error?.message).toContain(`${target} is a directory`)
      expect(readdirSync(dir)).toEqual(["somedir"])
      const classifier = failure(
        yield* Effect.exit(
          ClassifierRouter.save(target, { weights: [1, -1], bias: 0 }, { embedder: "hashing-2" })
        )
      )
      expect(classifier?.message).toContain(`${target} is a directory`)
      expect(readdirSync(dir)).toEqual(["somedir"])
      // A tensor file name taken by a directory is refused as well, before the manifest is written.
      mkdirSync(join(dir, "w.bin"))
      const binary = failure(
        yield* Effect.exit(
          Weights.saveWeights(join(dir, "w.json"), { router: "knn" }, [{ name: "x", shape: [1], data: [1] }])
        )
      )
      expect(binary?.message).toContain("w.bin is a directory")
      expect(existsSync(join(dir, "w.json"))).toBe(false)
    })
  )
})

describe("the strong and weak model of the weights", () => {
  it.effect("mf or sw_ranking weights naming one model twice, or no strong model, are refused", () =>
    Effect.gen(function* () {
      for (const router of ["mf", "sw_ranking"]) {
        const same = shippedCopy(router, (manifest) => void (manifest["weakModel"] = manifest["strongModel"]))
        const error = failure(yield* Effect.exit(makeRouter(router, { weights: same })))
        expect(error?.message).toContain('strongModel and weakModel are both "gpt-4-1106-preview"')
        const missing = shippedCopy(router, (manifest) => void delete manifest["strongModel"])
        const absent = failure(yield* Effect.exit(makeRouter(router, { weights: missing })))
        expect(absent).toMatchObject({ _tag: "RouterError", reason: "InvalidWeights" })
        expect(absent?.message).toContain("name no strongModel")
        const noWeak = shippedCopy(router, (manifest) => void delete manifest["weakModel"])
        expect(failure(yield* Effect.exit(makeRouter(router, { weights: noWeak })))?.message).toContain(
          "name no weakModel"
        )
      }
      // Routers whose weights carry the pair without reading it refuse the same contradiction.
      for (const router of ["knn", "knn_ridge"]) {
        const same = shippedCopy(router, (manifest) => void (manifest["weakModel"] = manifest["strongModel"]))
        expect(failure(yield* Effect.exit(makeRouter(router, { weights: same })))?.message).toContain(
          "strongModel and weakModel are both"
        )
      }
    })
  )

  it.effect("building a router that compares a model with itself fails", () =>
    Effect.gen(function* () {
      const embedder = HashingEmbedder.make({ dimension: 2 })
      const model: MatrixFactorizationRouter.MatrixFactorizationModel = {
        models: ["a", "b"],
        inputDimension: 2,
        rank: 1,
        projection: Float32Array.from([1, 0]),
        modelVectors: Float32Array.from([1, -1]),
        modelBias: Float32Array.from([0, 0])
      }
      const mf = failure(
        yield* Effect.exit(
          MatrixFactorizationRouter.make({ model, embedder, strongModel: "a", weakModel: "a" })
        )
      )
      expect(mf?.message).toContain('the strong and the weak model are both "a"')
      const battles = SimilarityWeightedRouter.index(
        [Float32Array.from([1, 0])],
        [{ a: 1, b: 0 }],
        ["a", "b"]
      )
      const sw = failure(
        yield* Effect.exit(
          SimilarityWeightedRouter.make({ embedder, battles, strongModel: "b", weakModel: "b" })
        )
      )
      expect(sw?.message).toContain('the strong and the weak model are both "b"')
    })
  )
})
