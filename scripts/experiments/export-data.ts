/**
 * Exports the benchmark data sets for the numpy experiment harnesses in this folder: per data set
 * `<set>.items.json` (prompt, group, scores), `<set>.folds.json` (the benchmark's 5 folds, seed 0),
 * `<set>.heur.json` (keyword and token-count win rates) and `<set>.<embedder>.f32` (row-major
 * float32 embeddings, through the .cache/embeddings store).
 *
 * Usage: npx tsx scripts/experiments/export-data.ts OUT_DIR [embedders, default static,hashing,static+hashing] [sets]
 * USE-lite on MMLU takes about 30 min on one core; pass it only for the sets you need.
 */
import { Effect } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { assignFolds } from "../../src/evaluation/CrossValidation.ts"
import { type BenchmarkName, loadBenchmark } from "../../src/evaluation/Datasets.ts"
import { embedWithCache } from "../../src/evaluation/EmbeddingStore.ts"
import { makeEmbedder } from "../../src/embeddings/EmbedderRegistry.ts"
import { makeRouter } from "../../src/routers/RouterRegistry.ts"

const [outDir, embedderList = "static,hashing,static+hashing", setList = "arena,mt-bench,gsm8k,mmlu"] =
  process.argv.slice(2)
if (outDir === undefined) {
  console.error("usage: npx tsx scripts/experiments/export-data.ts OUT_DIR [embedders] [sets]")
  process.exit(2)
}
mkdirSync(outDir, { recursive: true })

const program = Effect.gen(function* () {
  for (const set of setList.split(",") as Array<BenchmarkName>) {
    const loaded = yield* loadBenchmark(set)
    const prompts = loaded.items.map((item) => item.prompt)
    writeFileSync(join(outDir, `${set}.items.json`), JSON.stringify(loaded.items))
    writeFileSync(join(outDir, `${set}.folds.json`), JSON.stringify(assignFolds(prompts, 5, 0)))
    const heuristics: Record<string, Array<number>> = {}
    for (const name of ["keyword", "token-count"]) {
      const router = yield* makeRouter(name)
      heuristics[name] = yield* Effect.forEach(prompts, router.winRate)
    }
    writeFileSync(join(outDir, `${set}.heur.json`), JSON.stringify(heuristics))
    for (const name of embedderList.split(",")) {
      const embedder = yield* makeEmbedder(name)
      const vectors = yield* embedWithCache(embedder, set, prompts)
      const dimension = vectors[0]?.length ?? 0
      const flat = new Float32Array(vectors.length * dimension)
      vectors.forEach((vector, index) => flat.set(vector, index * dimension))
      writeFileSync(join(outDir, `${set}.${name}.f32`), Buffer.from(flat.buffer))
      console.log(`${set} ${name}: ${vectors.length} x ${dimension}`)
    }
  }
})
Effect.runPromise(program).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
