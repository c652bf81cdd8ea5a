/**
 * Embeds every benchmark prompt with one embedder and caches the vectors under .cache/embeddings.
 * Usage: npx tsx scripts/embed-datasets.ts [use-lite|static|hashing]
 */
import { Effect } from "effect"
import { loadBenchmark } from "../src/evaluation/Datasets.ts"
import { embedWithCache } from "../src/evaluation/EmbeddingStore.ts"
import { makeEmbedder } from "../src/embeddings/EmbedderRegistry.ts"

const name = process.argv[2] ?? "use-lite"
const program = Effect.gen(function* () {
  const embedder = yield* makeEmbedder(name)
  for (const benchmark of ["arena", "mt-bench", "gsm8k", "mmlu"] as const) {
    const loaded = yield* loadBenchmark(benchmark)
    const started = Date.now()
    yield* embedWithCache(
      embedder,
      benchmark,
      loaded.items.map((item) => item.prompt),
      {
        onProgress: (done, total) =>
          process.stderr.write(
            `\r${benchmark} ${done}/${total} ${((Date.now() - started) / 1000).toFixed(0)}s`
          )
      }
    )
    process.stderr.write(`\n${benchmark} done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`)
  }
})
Effect.runPromise(program).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
