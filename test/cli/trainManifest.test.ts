/**
 * What `train` writes besides the weights: a deterministic manifest (no wall-clock time) with
 * validation metrics and the reproducing command, and fitting progress on stderr only.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { train } from "../../src/cli/commands/train.ts"
import * as Weights from "../../src/routers/Weights.ts"

const scratch = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

/** 120 prompts over 6 topics; model a beats b on some topics only, so routing has something to learn. */
const writeData = (dir: string) => {
  const path = join(dir, "data.jsonl")
  const lines = Array.from({ length: 120 }, (_, i) => {
    const topic = i % 6
    return JSON.stringify({
      prompt: `question ${i} about topic${topic} ${"word".repeat(1 + (i % 3))}`,
      scores: { a: topic < 3 ? 8 + (i % 2) : 4 + (i % 3), b: 5 }
    })
  })
  writeFileSync(path, lines.join("\n") + "\n")
  return path
}

const recorder = () => {
  const writes: Array<string> = []
  return { writes, stream: { isTTY: false, write: (text: string) => writes.push(text) } }
}

const run = (data: string, output: string, router: string, stream = recorder().stream) =>
  train({
    data,
    router,
    embedder: "hashing-64",
    output,
    strongModel: "a",
    weakModel: "b",
    seed: 7,
    progressStream: stream
  })

interface Manifest {
  readonly training: unknown
  readonly hyperParameters: Readonly<Record<string, unknown>>
  readonly metrics: { readonly validation: Readonly<Record<string, unknown>> | string }
}

const manifestOf = (path: string): Manifest => JSON.parse(readFileSync(path, "utf8")) as Manifest

describe("train manifest", () => {
  it.effect("two runs with one seed write byte-identical manifests and weights", () =>
    Effect.gen(function* () {
      const dir = scratch("train-twice-")
      const data = writeData(dir)
      for (const router of ["mf", "knn"]) {
        const output = join(dir, router, "w.json")
        const binary = output.replace(/json$/, "bin")
        yield* run(data, output, router)
        const first = { manifest: readFileSync(output), binary: readFileSync(binary) }
        yield* run(data, output, router)
        expect(readFileSync(output).equals(first.manifest)).toBe(true)
        expect(readFileSync(binary).equals(first.binary)).toBe(true)
        // Byte-identical even when the two runs take different times.
        expect(first.manifest.toString("utf8")).not.toMatch(/seconds/i)
      }
    })
  )

  it.effect("records validation metrics (not in hyper-parameters), data counts and the command line", () =>
    Effect.gen(function* () {
      const dir = scratch("train-metrics-")
      const data = writeData(dir)
      const output = join(dir, "mf", "w.json")
      const result = yield* run(data, output, "mf")
      const manifest = manifestOf(output)
      expect(manifest["hyperParameters"]).toEqual({ rank: expect.any(Number), lambda: expect.any(Number) })
      expect(manifest["metrics"]).toMatchObject({
        trainingPrompts: 120,
        distinctPrompts: 120,
        strongWeakPairs: 120,
        validation: { validationPrompts: 120, pairwiseApgr: expect.any(Number) }
      })
      expect(JSON.stringify(manifest.metrics.validation)).toContain("cross-validation")
      expect(result.metrics).toEqual(manifest["metrics"])
      expect(manifest["training"]).toEqual({
        data,
        prompts: 120,
        seed: 7,
        reproduce: `llm-router train --data ${data} --router mf --embedder hashing-64 --output ${output} --strong a --weak b --seed 7`
      })
      // Still a valid manifest for the loader.
      const loaded = yield* Weights.loadWeights(output)
      expect(loaded.manifest.metrics).toEqual(manifest["metrics"])
    })
  )

  it.effect("every router gets metrics; a router without validation data says so", () =>
    Effect.gen(function* () {
      const dir = scratch("train-routers-")
      const data = writeData(dir)
      const validationOf = (router: string) =>
        Effect.map(
          run(data, join(dir, router, "w.json"), router),
          () => manifestOf(join(dir, router, "w.json"))["metrics"]
        )
      const classifier = yield* validationOf("classifier")
      expect(classifier.validation).toMatchObject({
        bestEpoch: expect.any(Number),
        epochsRun: expect.any(Number),
        bestValidationLoss: expect.any(Number)
      })
      expect(manifestOf(join(dir, "classifier", "w.json"))["hyperParameters"]["bestEpoch"]).toBeUndefined()
      expect((yield* validationOf("knn")).validation).toMatchObject({
        apgr: expect.any(Number),
        validationPairs: 30
      })
      expect((yield* validationOf("knn_ridge")).validation).toMatchObject({ blendApgr: expect.any(Number) })
      const sw = yield* validationOf("sw_ranking")
      expect(sw).toMatchObject({ trainingPrompts: 120, strongWeakPairs: 120 })
      expect(sw.validation).toMatch(/^none: /)
    })
  )

  it.effect(
    "knn_logistic: the inner APGR of the chosen candidate is a metric; no training time anywhere",
    () =>
      Effect.gen(function* () {
        const dir = scratch("train-knn-logistic-")
        const output = join(dir, "w.json")
        yield* run(writeData(dir), output, "knn_logistic")
        const manifest = manifestOf(output)
        expect(manifest.metrics.validation).toMatchObject({ innerApgr: expect.any(Number) })
        expect(manifest["hyperParameters"]["innerApgr"]).toBeUndefined()
        expect(JSON.stringify(manifest)).not.toMatch(/seconds/i)
      })
  )

  it.effect("reports fitting progress and the training time on the progress stream", () =>
    Effect.gen(function* () {
      const dir = scratch("train-progress-")
      const data = writeData(dir)
      for (const router of ["classifier", "knn_logistic"]) {
        const { stream, writes } = recorder()
        yield* run(data, join(dir, router, "w.json"), router, stream)
        const fitting = writes.filter((line) => line.startsWith(`fitting ${router}: `))
        expect(fitting.length).toBeGreaterThan(1)
        expect(writes.some((line) => line.startsWith("embedding ["))).toBe(true)
        expect(writes[writes.length - 1]).toMatch(
          new RegExp(`^trained ${router} on 120 prompts in [0-9.]+ s\\n$`)
        )
      }
    })
  )
})
