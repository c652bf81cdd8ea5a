/**
 * An on-disk cache of data-set embeddings (`.cache/embeddings/<embedder>/<key>.f32` plus a JSON index
 * of the prompts), so that slow encoders (USE-lite) run once per data set, not once per evaluation.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { EmbedderShape, EmbeddingError } from "../embeddings/Embedder.ts"
import { makeDirectories } from "../core/Directories.ts"

/**
 * Where the cache lives by default: `.cache/embeddings` under the working directory.
 *
 * @since 0.1.0
 */
export const defaultCacheDir = (): string => join(process.cwd(), ".cache", "embeddings")

const fingerprint = (prompts: ReadonlyArray<string>): string => {
  const hash = createHash("sha256")
  for (const prompt of prompts) hash.update(prompt).update("\u0000")
  return hash.digest("hex").slice(0, 16)
}

/**
 * Embeddings of `prompts` in order, from the cache when its fingerprint matches, otherwise computed
 * with `embedder` (in chunks, reporting progress) and written to the cache. Cache I/O problems are
 * not fatal: the vectors are then computed again.
 *
 * @since 0.1.0
 */
export const embedWithCache = Effect.fn("EmbeddingStore.embedWithCache")(function* (
  embedder: EmbedderShape,
  key: string,
  prompts: ReadonlyArray<string>,
  options: { readonly cacheDir?: string; readonly onProgress?: (done: number, total: number) => void } = {}
) {
  const directory = join(options.cacheDir ?? defaultCacheDir(), embedder.name)
  const binPath = join(directory, `${key}.f32`)
  const metaPath = join(directory, `${key}.json`)
  const print = fingerprint(prompts)
  const cached = yield* Effect.sync(() => {
    try {
      if (!existsSync(binPath) || !existsSync(metaPath)) return undefined
      const meta = JSON.parse(readFileSync(metaPath, "utf8")) as {
        fingerprint?: unknown
        count?: unknown
        dimension?: unknown
      }
      if (
        meta.fingerprint !== print ||
        meta.count !== prompts.length ||
        meta.dimension !== embedder.dimension
      )
        return undefined
      const buffer = readFileSync(binPath)
      if (buffer.byteLength !== prompts.length * embedder.dimension * 4) return undefined
      const all = new Float32Array(
        buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)
      )
      return prompts.map((_, index) =>
        all.slice(index * embedder.dimension, (index + 1) * embedder.dimension)
      )
    } catch {
      return undefined
    }
  })
  if (cached !== undefined) return cached as ReadonlyArray<Float32Array>
  const vectors: Array<Float32Array> = []
  const chunk = 256
  for (let start = 0; start < prompts.length; start += chunk) {
    const batch: ReadonlyArray<Float32Array> = yield* embedder.embedMany(prompts.slice(start, start + chunk))
    vectors.push(...batch)
    options.onProgress?.(vectors.length, prompts.length)
  }
  yield* Effect.sync(() => {
    try {
      makeDirectories(directory)
      const all = new Float32Array(prompts.length * embedder.dimension)
      vectors.forEach((vector, index) => all.set(vector, index * embedder.dimension))
      writeFileSync(binPath, Buffer.from(all.buffer))
      writeFileSync(
        metaPath,
        JSON.stringify({
          fingerprint: print,
          count: prompts.length,
          dimension: embedder.dimension,
          embedder: embedder.name
        })
      )
    } catch {
      // A read-only checkout still evaluates; it just recomputes next time.
    }
  })
  return vectors as ReadonlyArray<Float32Array>
}) as (
  embedder: EmbedderShape,
  key: string,
  prompts: ReadonlyArray<string>,
  options?: { readonly cacheDir?: string; readonly onProgress?: (done: number, total: number) => void }
) => Effect.Effect<ReadonlyArray<Float32Array>, EmbeddingError>
