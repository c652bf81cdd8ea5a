/**
 * Concatenates several embedders' vectors (each L2-normalised, scaled by 1/√parts so the result is
 * unit length), e.g. `static+hashing`: meaning from a distilled encoder plus exact word overlap.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EmbedderShape } from "./Embedder.ts"

/**
 * Builds the concatenation; its name is the parts' names joined by `+`.
 *
 * @example
 * import { Embeddings } from "effect-llm-router"
 * const { ConcatEmbedder, HashingEmbedder } = Embeddings
 *
 * const both = ConcatEmbedder.make([HashingEmbedder.make({ seed: 1 }), HashingEmbedder.make({ seed: 2 })])
 *
 * @since 0.1.0
 */
export const make = (parts: ReadonlyArray<EmbedderShape>): EmbedderShape => {
  const dimension = parts.reduce((sum, part) => sum + part.dimension, 0)
  const scale = 1 / Math.sqrt(Math.max(parts.length, 1))
  const join = (vectors: ReadonlyArray<Float32Array>) => {
    const out = new Float32Array(dimension)
    let offset = 0
    vectors.forEach((vector) => {
      let norm = 0
      for (const value of vector) norm += value * value
      const factor = norm > 0 ? scale / Math.sqrt(norm) : 0
      for (let index = 0; index < vector.length; index++) out[offset + index] = vector[index]! * factor
      offset += vector.length
    })
    return out
  }
  return {
    name: parts.map((part) => part.name).join("+"),
    dimension,
    embed: (text) =>
      Effect.map(
        Effect.forEach(parts, (part) => part.embed(text)),
        join
      ),
    embedMany: (texts) =>
      Effect.map(
        Effect.forEach(parts, (part) => part.embedMany(texts)),
        (perPart) => texts.map((_, index) => join(perPart.map((vectors) => vectors[index]!)))
      )
  }
}
