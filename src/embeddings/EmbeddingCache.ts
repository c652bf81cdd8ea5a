/**
 * An LRU cache in front of any embedder, keyed by a hash of the text (so long prompts do not stay in
 * memory as keys). Repeated prompts — retries, fallbacks, the same system-wide question — are
 * embedded once.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { Embedder } from "./Embedder.ts"
import type { EmbedderShape } from "./Embedder.ts"

/**
 * A SHA-256 key of a text (first 16 bytes, hex).
 *
 * @since 0.1.0
 */
export const keyOf = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 32)

/**
 * Wraps an embedder with an LRU cache of `capacity` vectors. The returned vectors are shared: do not
 * mutate them.
 *
 * @example
 * import { Embeddings } from "effect-llm-router"
 * const { EmbeddingCache, HashingEmbedder } = Embeddings
 *
 * const cached = EmbeddingCache.make(HashingEmbedder.make(), { capacity: 10_000 })
 *
 * @since 0.1.0
 */
export const make = (
  embedder: EmbedderShape,
  options: { readonly capacity?: number } = {}
): EmbedderShape & { readonly size: () => number } => {
  const capacity = Math.max(1, options.capacity ?? 4096)
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recent.
  const entries = new Map<string, Float32Array>()
  const remember = (key: string, vector: Float32Array) => {
    entries.delete(key)
    entries.set(key, vector)
    if (entries.size > capacity) entries.delete(entries.keys().next().value!)
  }
  const lookup = (key: string) => {
    const hit = entries.get(key)
    if (hit !== undefined) remember(key, hit)
    return hit
  }
  return {
    name: embedder.name,
    dimension: embedder.dimension,
    size: () => entries.size,
    embed: (text) =>
      Effect.suspend(() => {
        const key = keyOf(text)
        const hit = lookup(key)
        return hit !== undefined
          ? Effect.succeed(hit)
          : Effect.tap(embedder.embed(text), (vector) => Effect.sync(() => remember(key, vector)))
      }),
    embedMany: (texts) =>
      Effect.suspend(() => {
        const keys = texts.map(keyOf)
        const found = keys.map(lookup)
        const missing = texts.filter((_, index) => found[index] === undefined)
        if (missing.length === 0) return Effect.succeed(found as ReadonlyArray<Float32Array>)
        return Effect.map(embedder.embedMany(missing), (vectors) => {
          let next = 0
          return keys.map((key, index) => {
            const cached = found[index]
            if (cached !== undefined) return cached
            const vector = vectors[next++]!
            remember(key, vector)
            return vector
          })
        })
      })
  }
}

/**
 * Wraps the `Embedder` service in the context with a cache.
 *
 * @since 0.1.0
 */
export const layer = (options: { readonly capacity?: number } = {}): Layer.Layer<Embedder, never, Embedder> =>
  Layer.effect(
    Embedder,
    Effect.map(Embedder, (embedder) => make(embedder, options))
  )
