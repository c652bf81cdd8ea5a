/**
 * The neighbour search of the `knn_logistic` router (`KnnLogisticRouter`): exact top-k of a row of
 * similarities, similarity-weighted neighbour means of the scores, and the soft group vote.
 *
 * @since 0.1.0
 */

/**
 * A neighbour mean: the `k` most similar examples, weighted `exp((similarity − best) / temperature)`
 * (temperature 0: plain mean).
 *
 * @since 0.1.0
 */
export interface NeighbourSetting {
  readonly k: number
  readonly temperature: number
}

/**
 * Neighbours in the group vote of {@link groupPosterior}.
 *
 * @since 0.1.0
 */
export const GROUP_NEIGHBOURS = 80

/**
 * Softmax temperature of the group vote of {@link groupPosterior}.
 *
 * @since 0.1.0
 */
export const GROUP_TEMPERATURE = 0.05

/**
 * The `take` most similar rows allowed by `allowed` (all when omitted), most similar first (ties:
 * lower row first), by a bounded min-heap: exact top-k in one pass.
 *
 * @since 0.1.0
 */
export const nearest = (
  similarities: ArrayLike<number>,
  take: number,
  allowed?: (row: number) => boolean
): { readonly rows: Int32Array; readonly similarities: Float64Array } => {
  const heapSimilarity = new Float64Array(take)
  const heapRow = new Int32Array(take)
  let size = 0
  // "a is worse than b": less similar, or as similar with a later row.
  const worse = (sa: number, ra: number, sb: number, rb: number) => sa < sb || (sa === sb && ra > rb)
  const swap = (a: number, b: number) => {
    const s = heapSimilarity[a]!
    const r = heapRow[a]!
    heapSimilarity[a] = heapSimilarity[b]!
    heapRow[a] = heapRow[b]!
    heapSimilarity[b] = s
    heapRow[b] = r
  }
  const siftDown = (start: number) => {
    let index = start
    for (;;) {
      const left = 2 * index + 1
      if (left >= size) return
      const right = left + 1
      let child = left
      if (
        right < size &&
        worse(heapSimilarity[right]!, heapRow[right]!, heapSimilarity[left]!, heapRow[left]!)
      )
        child = right
      if (!worse(heapSimilarity[child]!, heapRow[child]!, heapSimilarity[index]!, heapRow[index]!)) return
      swap(index, child)
      index = child
    }
  }
  const count = similarities.length
  for (let row = 0; row < count; row++) {
    const similarity = similarities[row]!
    if (size === take && similarity <= heapSimilarity[0]!) continue
    if (allowed !== undefined && !allowed(row)) continue
    if (size < take) {
      let index = size++
      heapSimilarity[index] = similarity
      heapRow[index] = row
      while (index > 0) {
        const parent = (index - 1) >> 1
        if (!worse(heapSimilarity[index]!, heapRow[index]!, heapSimilarity[parent]!, heapRow[parent]!)) break
        swap(index, parent)
        index = parent
      }
    } else {
      heapSimilarity[0] = similarity
      heapRow[0] = row
      siftDown(0)
    }
  }
  const order = Array.from({ length: size }, (_, index) => index).sort(
    (a, b) => heapSimilarity[b]! - heapSimilarity[a]! || heapRow[a]! - heapRow[b]!
  )
  return {
    rows: Int32Array.from(order, (index) => heapRow[index]!),
    similarities: Float64Array.from(order, (index) => heapSimilarity[index]!)
  }
}

/**
 * Neighbour means of several targets for several settings from one sorted neighbour list
 * (`out[setting][target]`); no neighbours: 0.
 *
 * @since 0.1.0
 */
export const neighbourMeans = (
  top: ReturnType<typeof nearest>,
  targets: ReadonlyArray<ArrayLike<number>>,
  settings: ReadonlyArray<NeighbourSetting>
): Array<Array<number>> => {
  const size = top.rows.length
  const best = top.similarities[0] ?? 0
  return settings.map(({ k, temperature }) => {
    const used = Math.min(k, size)
    let weights = 0
    const totals = targets.map(() => 0)
    for (let index = 0; index < used; index++) {
      const weight = temperature > 0 ? Math.exp((top.similarities[index]! - best) / temperature) : 1
      weights += weight
      const row = top.rows[index]!
      for (let t = 0; t < targets.length; t++) totals[t]! += weight * targets[t]![row]!
    }
    return totals.map((total) => total / Math.max(weights, 1e-12))
  })
}

/**
 * The soft group posterior of one prompt: a similarity-weighted vote over the groups of its
 * {@link GROUP_NEIGHBOURS} nearest examples, scaled by √(number of groups).
 *
 * @since 0.1.0
 */
export const groupPosterior = (
  top: ReturnType<typeof nearest>,
  groups: Int32Array,
  groupCount: number
): Float64Array => {
  const votes = new Float64Array(groupCount)
  const used = Math.min(GROUP_NEIGHBOURS, top.rows.length)
  const best = top.similarities[0] ?? 0
  let total = 0
  for (let index = 0; index < used; index++) {
    const weight = Math.exp((top.similarities[index]! - best) / GROUP_TEMPERATURE)
    votes[groups[top.rows[index]!]!]! += weight
    total += weight
  }
  const scale = Math.sqrt(groupCount) / Math.max(total, 1e-12)
  for (let g = 0; g < groupCount; g++) votes[g]! *= scale
  return votes
}
