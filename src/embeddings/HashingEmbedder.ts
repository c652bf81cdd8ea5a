/**
 * A zero-dependency embedder: hashed word n-grams and character n-grams (the "hashing trick").
 *
 * Fast (a few microseconds per prompt), deterministic and offline. It knows nothing of meaning
 * beyond shared words and word pieces, so it is a baseline and a dependable fallback, not a
 * replacement for a trained encoder.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import { Embedder, EmbeddingError } from "./Embedder.ts"
import type { EmbedderShape } from "./Embedder.ts"

/**
 * Settings of the hashing embedder. Every field has a default.
 *
 * @since 0.1.0
 */
export interface HashingEmbedderOptions {
  /** Number of hash buckets, i.e. the vector length. Default 512. */
  readonly dimension?: number
  /** Longest word n-gram (1 = single words). Default 2. */
  readonly maxWordNgram?: number
  /** Character n-gram lengths taken inside each word (padded with spaces). Default [3, 4]; empty disables. */
  readonly charNgrams?: ReadonlyArray<number>
  /** Weight of character n-grams relative to words. Default 0.5. */
  readonly charWeight?: number
  /** Hash seed, so that two embedders with different seeds collide differently. Default 0. */
  readonly seed?: number
}

const WORD = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu

/**
 * Splits a text into lower-cased words and single punctuation marks.
 *
 * @since 0.1.0
 */
export const tokenize = (text: string): Array<string> => text.toLowerCase().match(WORD) ?? []

/**
 * 32-bit FNV-1a hash of a string (UTF-16 code units), with a seed mixed into the offset basis.
 *
 * @since 0.1.0
 */
export const fnv1a = (text: string, seed = 0): number => {
  let hash = (0x811c9dc5 ^ seed) >>> 0
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

const FNV_PRIME = 0x01000193

const addHashed = (vector: Float32Array, hash: number, weight: number): void => {
  const bucket = hash % vector.length
  // The top bit picks a sign, so that collisions cancel on average instead of piling up.
  const sign = (hash & 0x80000000) === 0 ? 1 : -1
  vector[bucket] = (vector[bucket] ?? 0) + sign * weight
}

const feedString = (hash: number, text: string): number => {
  for (let index = 0; index < text.length; index++)
    hash = Math.imul(hash ^ text.charCodeAt(index), FNV_PRIME) >>> 0
  return hash
}

/**
 * Embeds one text with the given settings (pure, synchronous). An empty text gives the zero vector.
 *
 * Each feature is the FNV-1a hash of a string such as `w2:hello world` or `c: he`; the hashes are
 * computed by feeding the characters of the words in place, so no feature string is ever built
 * (the result is the same as hashing the strings).
 *
 * @since 0.1.0
 */
export const hashText = (text: string, options: Required<HashingEmbedderOptions>): Float32Array => {
  const vector = new Float32Array(options.dimension)
  const words = tokenize(text)
  const basis = (0x811c9dc5 ^ options.seed) >>> 0
  for (let n = 1; n <= options.maxWordNgram; n++) {
    const prefix = feedString(basis, `w${n}:`)
    for (let start = 0; start + n <= words.length; start++) {
      let hash = prefix
      for (let offset = 0; offset < n; offset++) {
        if (offset > 0) hash = Math.imul(hash ^ 0x20, FNV_PRIME) >>> 0
        hash = feedString(hash, words[start + offset]!)
      }
      addHashed(vector, hash, 1)
    }
  }
  if (options.charWeight > 0) {
    const prefix = feedString(basis, "c:")
    for (const word of words) {
      // The word padded with a space on each side: " word ".
      const padded = word.length + 2
      for (const n of options.charNgrams) {
        for (let start = 0; start + n <= padded; start++) {
          let hash = prefix
          for (let position = start; position < start + n; position++) {
            const code = position === 0 || position === padded - 1 ? 0x20 : word.charCodeAt(position - 1)
            hash = Math.imul(hash ^ code, FNV_PRIME) >>> 0
          }
          addHashed(vector, hash, options.charWeight)
        }
      }
    }
  }
  // Sub-linear term frequency keeps a repeated word from dominating, then L2-normalise.
  let norm = 0
  for (let index = 0; index < vector.length; index++) {
    const value = vector[index] ?? 0
    const damped = Math.sign(value) * Math.log1p(Math.abs(value))
    vector[index] = damped
    norm += damped * damped
  }
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm)
    for (let index = 0; index < vector.length; index++) vector[index] = (vector[index] ?? 0) * scale
  }
  return vector
}

const resolve = (options: HashingEmbedderOptions = {}): Required<HashingEmbedderOptions> => ({
  dimension: options.dimension ?? 512,
  maxWordNgram: options.maxWordNgram ?? 2,
  charNgrams: options.charNgrams ?? [3, 4],
  charWeight: options.charWeight ?? 0.5,
  seed: options.seed ?? 0
})

/**
 * The largest dimension accepted: far more than hashing text features can use (the shipped default
 * is 512), and small enough that a batch of vectors fits in memory; a typo such as `hashing-99999999`
 * would otherwise allocate gigabytes and be killed by the OS without a word.
 *
 * @since 0.1.0
 */
export const MAX_DIMENSION = 65_536

const validate = (settings: Required<HashingEmbedderOptions>): string | undefined =>
  !Number.isInteger(settings.dimension) || settings.dimension <= 0 || settings.dimension > MAX_DIMENSION
    ? `dimension must be an integer from 1 to ${MAX_DIMENSION}, got ${settings.dimension}`
    : !Number.isInteger(settings.maxWordNgram) || settings.maxWordNgram < 1
      ? `maxWordNgram must be an integer >= 1, got ${settings.maxWordNgram}`
      : settings.charNgrams.some((n) => !Number.isInteger(n) || n < 1)
        ? `charNgrams must be integers >= 1, got ${settings.charNgrams.join(",")}`
        : undefined

/**
 * Builds a hashing embedder (synchronously: there is nothing to load). Throws an `EmbeddingError`
 * (`InvalidInput`) on a dimension outside 1..{@link MAX_DIMENSION} or a non-positive n-gram length; {@link makeEffect} returns it as a
 * typed failure instead.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings } from "effect-llm-router"
 * const { HashingEmbedder } = Embeddings
 *
 * const embedder = HashingEmbedder.make({ dimension: 256 })
 * const vector = Effect.runSync(embedder.embed("Write a haiku about routers"))
 *
 * @since 0.1.0
 */
export const make = (options?: HashingEmbedderOptions): EmbedderShape => {
  const settings = resolve(options)
  const invalid = validate(settings)
  if (invalid !== undefined) {
    throw new EmbeddingError({ reason: "InvalidInput", message: `HashingEmbedder: ${invalid}` })
  }
  const embedSync = (text: string) => hashText(text, settings)
  return {
    name: `hashing-${settings.dimension}`,
    dimension: settings.dimension,
    embed: (text) => Effect.sync(() => embedSync(text)),
    embedMany: (texts) => Effect.sync(() => texts.map(embedSync))
  }
}

/**
 * {@link make} as an Effect, failing with `EmbeddingError` on invalid options.
 *
 * @since 0.1.0
 */
export const makeEffect = (options?: HashingEmbedderOptions): Effect.Effect<EmbedderShape, EmbeddingError> =>
  Effect.try({
    try: () => make(options),
    catch: (error) =>
      error instanceof EmbeddingError
        ? error
        : new EmbeddingError({
            reason: "InvalidInput",
            message: "HashingEmbedder: invalid options",
            cause: error
          })
  })

/**
 * The `Embedder` service backed by a hashing embedder.
 *
 * @since 0.1.0
 */
export const layer = (options?: HashingEmbedderOptions): Layer.Layer<Embedder, EmbeddingError> =>
  Layer.effect(Embedder, makeEffect(options))
