import { Effect } from "effect"
import type { EmbedderShape } from "../../src/embeddings/Embedder.ts"

/** An embedder that returns fixed vectors per text (unknown texts: the zero vector). */
export const tableEmbedder = (
  dimension: number,
  table: Record<string, ReadonlyArray<number>>
): EmbedderShape => {
  const lookup = (text: string) => Float32Array.from(table[text] ?? new Array<number>(dimension).fill(0))
  return {
    name: "table",
    dimension,
    embed: (text) => Effect.succeed(lookup(text)),
    embedMany: (texts) => Effect.succeed(texts.map(lookup))
  }
}
