/**
 * A SentencePiece unigram tokenizer (Viterbi segmentation over a vocabulary of pieces with log
 * probabilities), the tokenizer of USE-lite, reimplemented so the static embedder loads without
 * TensorFlow.js.
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
}

interface TrieNode {
  readonly children: Map<number, TrieNode>
  id: number
}

const SEPARATOR = "\u2581"
const UNKNOWN_PENALTY = -20

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
  const root: TrieNode = { children: new Map(), id: -1 }
  const scores = new Float64Array(vocabulary.length)
  vocabulary.forEach(([piece, score], id) => {
    scores[id] = score
    if (id < reserved || piece.length === 0) return
    let node = root
    for (let index = 0; index < piece.length; index++) {
      const code = piece.charCodeAt(index)
      let child = node.children.get(code)
      if (child === undefined) {
        child = { children: new Map(), id: -1 }
        node.children.set(code, child)
      }
      node = child
    }
    node.id = id
  })
  const encode = (text: string): Array<number> => {
    const normalised = text.normalize("NFKC")
    if (normalised.length === 0) return []
    const input = SEPARATOR + normalised.replace(/ /g, SEPARATOR)
    const length = input.length
    const best = new Float64Array(length + 1).fill(Number.NEGATIVE_INFINITY)
    const backId = new Int32Array(length + 1)
    const backStart = new Int32Array(length + 1)
    best[0] = 0
    for (let start = 0; start < length; start++) {
      const base = best[start]!
      if (base === Number.NEGATIVE_INFINITY) continue
      let node: TrieNode | undefined = root
      for (let end = start; end < length && node !== undefined; end++) {
        node = node.children.get(input.charCodeAt(end))
        if (node !== undefined && node.id >= 0) {
          const score = base + scores[node.id]!
          if (score > best[end + 1]!) {
            best[end + 1] = score
            backId[end + 1] = node.id
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
    const ids: Array<number> = []
    for (let position = length; position > 0; position = backStart[position]!) ids.push(backId[position]!)
    ids.reverse()
    // Consecutive unknown characters collapse into one unknown token, as SentencePiece does.
    return ids.filter((id, index) => !(id === 0 && ids[index - 1] === 0))
  }
  return { vocabularySize: vocabulary.length, encode }
}
