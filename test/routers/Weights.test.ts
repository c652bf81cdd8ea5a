import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Weights from "../../src/routers/Weights.ts"

const failure = <E>(exit: Exit.Exit<unknown, E>): E | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

describe("Weights", () => {
  it("float16 encodes and decodes representable values exactly", () => {
    for (const value of [0, 1, -2, 0.5, 65504, 2 ** -14])
      expect(Weights.halfToFloat(Weights.floatToHalf(value))).toBe(value)
    expect(Weights.halfToFloat(Weights.floatToHalf(0.1))).toBeCloseTo(0.1, 3)
  })

  it.effect("round-trips float32 and float16 tensors with their manifest", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "weights-"))
      const path = join(dir, "w.json")
      yield* Weights.saveWeights(path, { router: "mf", models: ["a", "b"], hyperParameters: { lambda: 3 } }, [
        { name: "x", shape: [2, 2], data: [1, 2, 3, 4.5] },
        { name: "h", shape: [3], data: [0.5, -1, 2], dtype: "float16" }
      ])
      const loaded = yield* Weights.loadWeights(path)
      expect(loaded.manifest.router).toBe("mf")
      expect(Array.from(yield* Weights.tensor(loaded, "x", [2, -1]))).toEqual([1, 2, 3, 4.5])
      expect(Array.from(yield* Weights.tensor(loaded, "h", [3]))).toEqual([0.5, -1, 2])
      const mismatch = failure(yield* Effect.exit(Weights.tensor(loaded, "x", [4])))
      expect(mismatch?.reason).toBe("ShapeMismatch")
      expect(mismatch?.message).toMatch(/\[2, 2\]/)
    })
  )

  it.effect("names the problem: missing file, invalid manifest, truncated binary", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "weights-"))
      expect(failure(yield* Effect.exit(Weights.loadWeights(join(dir, "none.json"))))?.reason).toBe("Missing")
      writeFileSync(join(dir, "bad.json"), JSON.stringify({ format: "something-else", router: "mf" }))
      const invalid = failure(yield* Effect.exit(Weights.loadWeights(join(dir, "bad.json"))))
      expect(invalid?.reason).toBe("InvalidManifest")
      const path = join(dir, "w.json")
      yield* Weights.saveWeights(path, { router: "knn" }, [
        { name: "x", shape: [100], data: new Array(100).fill(1) }
      ])
      writeFileSync(join(dir, "w.bin"), readFileSync(join(dir, "w.bin")).subarray(0, 17))
      const corrupt = failure(yield* Effect.exit(Weights.loadWeights(path)))
      expect(corrupt?.reason).toBe("Corrupt")
      expect(corrupt?.message).toMatch(/"x"/)
      writeFileSync(join(dir, "w.bin"), Buffer.alloc(0))
      writeFileSync(
        join(dir, "gone.json"),
        JSON.stringify({
          format: "effect-llm-router/weights@1",
          router: "knn",
          file: "gone.bin",
          tensors: {}
        })
      )
      expect(failure(yield* Effect.exit(Weights.loadWeights(join(dir, "gone.json"))))?.reason).toBe("Missing")
    })
  )

  it("the half-precision lookup table agrees with the arithmetic decoder on all 65,536 values", () => {
    const table = Weights.halfToFloatTable()
    let mismatches = 0
    for (let half = 0; half < 65536; half++) {
      const expected = Weights.halfToFloat(half)
      const actual = table[half]!
      if (!(Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected)))) mismatches++
    }
    expect(mismatches).toBe(0)
  })

  it.effect("rejects tensors holding NaN or infinities, in both precisions and at unaligned offsets", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "weights-"))
      for (const dtype of ["float32", "float16"] as const) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          const path = join(dir, `${dtype}-${bad}.json`)
          // A one-element float16 tensor first puts the next one at an odd multiple of 2 bytes.
          yield* Weights.saveWeights(path, { router: "knn" }, [
            { name: "pad", shape: [1], data: [1], dtype: "float16" },
            { name: "x", shape: [5], data: [1, 2, bad, 4, 5], dtype }
          ])
          const error = failure(yield* Effect.exit(Weights.loadWeights(path)))
          expect(error?.reason).toBe("Corrupt")
          expect(error?.message).toMatch(/"x".*NaN or infinite/)
        }
        const path = join(dir, `${dtype}-fine.json`)
        yield* Weights.saveWeights(path, { router: "knn" }, [
          { name: "pad", shape: [1], data: [1], dtype: "float16" },
          { name: "x", shape: [4], data: [1.5, -2, 65504, 2 ** -20], dtype }
        ])
        const loaded = yield* Weights.loadWeights(path)
        // 2^-20 is a float16 subnormal: exact in both precisions.
        expect(Array.from(yield* Weights.tensor(loaded, "x", [4]))).toEqual([1.5, -2, 65504, 2 ** -20])
      }
    })
  )
})
