/**
 * Deterministic inner cross-validation for the embedding routers' training: folds keyed by a hash
 * of the prompt (identical prompts share a fold, no random state), and the exact APGR that scores a
 * ranking of the held-out prompts.
 *
 * @since 0.1.0
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/**
 * CRC-32 (zlib's) of the UTF-8 bytes of a string.
 *
 * @since 0.1.0
 */
export const crc32 = (text: string): number => {
  let crc = 0xffffffff
  for (const byte of new TextEncoder().encode(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/**
 * Inner fold of each prompt: `(crc32(prompt) + 7919 · seed) mod folds`; identical prompts share a fold.
 *
 * @since 0.1.0
 */
export const hashFolds = (prompts: ReadonlyArray<string>, folds: number, seed: number): Int32Array =>
  Int32Array.from(prompts, (prompt) => (crc32(prompt) + 7919 * seed) % folds)

/**
 * Exact APGR of a ranking by `scores` of prompts whose strong-minus-weak gains are `gains` (every
 * distinct threshold, tied scores routed together): the area under "fraction of the total gain
 * recovered" against "fraction sent to the strong model". NaN when the total gain is not positive.
 *
 * @since 0.1.0
 */
export const rankingApgr = (scores: ArrayLike<number>, gains: ArrayLike<number>): number => {
  const n = scores.length
  const order = Array.from({ length: n }, (_, index) => index).sort(
    (a, b) => scores[b]! - scores[a]! || a - b
  )
  let total = 0
  for (let index = 0; index < n; index++) total += gains[index]!
  if (n === 0 || total <= 0) return Number.NaN
  let gained = 0
  let area = 0
  let previousX = 0
  let previousY = 0
  for (let index = 0; index < n; index++) {
    gained += gains[order[index]!]!
    const next = order[index + 1]
    if (next !== undefined && scores[next] === scores[order[index]!]) continue
    const x = (index + 1) / n
    const y = gained / total
    area += ((x - previousX) * (y + previousY)) / 2
    previousX = x
    previousY = y
  }
  return area
}

/**
 * {@link rankingApgr} with the gains given as the strong and the weak score of each prompt.
 *
 * @since 0.1.0
 */
export const exactApgr = (
  scores: ArrayLike<number>,
  strong: ArrayLike<number>,
  weak: ArrayLike<number>
): number =>
  rankingApgr(
    scores,
    Float64Array.from({ length: scores.length }, (_, index) => strong[index]! - weak[index]!)
  )
