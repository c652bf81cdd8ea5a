/**
 * A SentencePiece unigram tokenizer (Viterbi segmentation over a vocabulary of pieces with log
 * probabilities), the tokenizer of USE-lite, reimplemented so the static embedder loads without
 * TensorFlow.js.
 *
 * It sits on the request path of the default router, so it allocates almost nothing per call: the
 * vocabulary trie is a flat open-addressing hash table of `(node, character) → child` edges, the
 * Viterbi tables are scratch buffers grown on demand and reused, and spaces become `▁` on the fly
 * instead of in a copied string.
 *
 * @since 0.1.0
 */

/**
 * A vocabulary entry: the piece (`▁` marks a word start) and its log probability.
 *
 * @since 0.1.0
 */
export type Piece = readonly [piece: string, score: number]

/**
 * A tokenizer built from a vocabulary.
 *
 * @since 0.1.0
 */
export interface SentencePieceTokenizer {
  readonly vocabularySize: number
  /** Token ids of a text (unknown characters map to id 0). */
  readonly encode: (text: string) => Array<number>
  /**
   * The same ids as {@link SentencePieceTokenizer.encode}, as a view over a buffer the tokenizer
   * reuses: valid only until its next call. For hot paths that read the ids at once.
   */
  readonly encodeShared: (text: string) => Int32Array
}

const SEPARATOR = 0x2581
const SPACE = 0x20
const UNKNOWN_PENALTY = -20

const isAscii = (text: string): boolean => {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false
  return true
}

/** `(node, character) → child` edges of the trie in one open-addressing table. */
interface Trie {
  readonly mask: number
  readonly edgeNode: Int32Array
  readonly edgeCode: Int32Array
  readonly edgeChild: Int32Array
  /** Piece id ending at each node, or -1. */
  readonly pieceAt: Int32Array
}

const slotOf = (node: number, code: number, mask: number) =>
  (Math.imul(node * 65599 + code, 0x9e3779b1) >>> 0) & mask

const child = (trie: Trie, node: number, code: number): number => {
  for (let slot = slotOf(node, code, trie.mask); ; slot = (slot + 1) & trie.mask) {
    const owner = trie.edgeNode[slot]!
    if (owner === -1) return -1
    if (owner === node && trie.edgeCode[slot] === code) return trie.edgeChild[slot]!
  }
}

const buildTrie = (vocabulary: ReadonlyArray<Piece>, reserved: number): Trie => {
  const edges: Array<[node: number, code: number, child: number]> = []
  const byKey = new Map<string, number>()
  const pieces: Array<number> = [-1]
  vocabulary.forEach(([piece], id) => {
    if (id < reserved || piece.length === 0) return
    let node = 0
    for (let index = 0; index < piece.length; index++) {
      const code = piece.charCodeAt(index)
      const key = `${node}:${code}`
      let next = byKey.get(key)
      if (next === undefined) {
        next = pieces.length
        pieces.push(-1)
        byKey.set(key, next)
        edges.push([node, code, next])
      }
      node = next
    }
    pieces[node] = id
  })
  let size = 16
  while (size < edges.length * 2) size *= 2
  const mask = size - 1
  const edgeNode = new Int32Array(size).fill(-1)
  const edgeCode = new Int32Array(size)
  const edgeChild = new Int32Array(size)
  for (const [node, code, next] of edges) {
    let slot = slotOf(node, code, mask)
    while (edgeNode[slot] !== -1) slot = (slot + 1) & mask
    edgeNode[slot] = node
    edgeCode[slot] = code
    edgeChild[slot] = next
  }
  return { mask, edgeNode, edgeCode, edgeChild, pieceAt: Int32Array.from(pieces) }
}

/**
 * Builds a tokenizer. The first `reserved` ids (control symbols) are never produced.
 *
 * @example
 * import { Embeddings } from "effect-llm-router"
 * const { SentencePieceTokenizer } = Embeddings
 *
 * const tokenizer = SentencePieceTokenizer.make([["<unk>", 0], ["▁hello", -2], ["▁", -3]], 1)
 * tokenizer.encode("hello") // [1]
 *
 * @since 0.1.0
 */
export const make = (vocabulary: ReadonlyArray<Piece>, reserved = 6): SentencePieceTokenizer => {
  const trie = buildTrie(vocabulary, reserved)
  const scores = Float64Array.from(vocabulary, ([, score]) => score)
  let capacity = 0
  let best = new Float64Array(0)
  let backId = new Int32Array(0)
  let backStart = new Int32Array(0)
  let ids = new Int32Array(0)
  const ensure = (length: number) => {
    if (length + 1 <= capacity) return
    capacity = Math.max(length + 1, capacity * 2, 256)
    best = new Float64Array(capacity)
    backId = new Int32Array(capacity)
    backStart = new Int32Array(capacity)
    ids = new Int32Array(capacity)
  }
  const encodeShared = (text: string): Int32Array => {
    // ASCII is NFKC-invariant: skip the copy for the common case.
    const normalised = isAscii(text) ? text : text.normalize("NFKC")
    if (normalised.length === 0) return ids.subarray(0, 0)
    // The input is "▁" + the text with every space as "▁"; position p > 0 is character p - 1.
    const length = normalised.length + 1
    ensure(length)
    best.fill(Number.NEGATIVE_INFINITY, 0, length + 1)
    best[0] = 0
    for (let start = 0; start < length; start++) {
      const base = best[start]!
      if (base === Number.NEGATIVE_INFINITY) continue
      let node = 0
      for (let end = start; end < length; end++) {
        const raw = end === 0 ? SEPARATOR : normalised.charCodeAt(end - 1)
        node = child(trie, node, raw === SPACE ? SEPARATOR : raw)
        if (node < 0) break
        const id = trie.pieceAt[node]!
        if (id >= 0) {
          const score = base + scores[id]!
          if (score > best[end + 1]!) {
            best[end + 1] = score
            backId[end + 1] = id
            backStart[end + 1] = start
          }
        }
      }
      // A single unknown character is always possible (heavily penalised), so every text segments.
      const unknown = base + UNKNOWN_PENALTY
      if (unknown > best[start + 1]!) {
        best[start + 1] = unknown
        backId[start + 1] = 0
        backStart[start + 1] = start
      }
    }
    // Walk back from the end, writing ids from the back of the buffer.
    let write = capacity
    for (let position = length; position > 0; position = backStart[position]!)
      ids[--write] = backId[position]!
    // Move to the front, merging runs of unknown characters into one unknown token as SentencePiece does.
    let count = 0
    for (let read = write; read < capacity; read++) {
      const id = ids[read]!
      if (id === 0 && count > 0 && ids[count - 1] === 0) continue
      ids[count++] = id
    }
    return ids.subarray(0, count)
  }
  return {
    vocabularySize: vocabulary.length,
    encode: (text) => Array.from(encodeShared(text)),
    encodeShared
  }
}
