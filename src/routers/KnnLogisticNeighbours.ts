/**
 * The neighbour search of the `knn_logistic` router (`KnnLogisticRouter`): exact top-k of a row of
 * similarities, similarity-weighted neighbour means of the scores, and the soft group vote.
 *
 * @since 0.1.0
 */
import * as KnnRouter from "./KnnRouter.ts"

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
 * The `take` most similar rows among `candidates` (ascending row numbers; every row when omitted),
 * most similar first (ties: lower row first), with their similarities: `KnnRouter.nearest` over the
 * candidates' similarities.
 *
 * @since 0.1.0
 */
export const nearest = (
  similarities: ArrayLike<number>,
  take: number,
  candidates?: Int32Array
): { readonly rows: Int32Array; readonly similarities: Float64Array } => {
  if (candidates === undefined) {
    const rows = KnnRouter.nearest(similarities, take)
    return { rows, similarities: Float64Array.from(rows, (row) => similarities[row]!) }
  }
  const order = KnnRouter.nearest(
    Float64Array.from(candidates, (row) => similarities[row]!),
    take
  )
  const rows = Int32Array.from(order, (index) => candidates[index]!)
  return { rows, similarities: Float64Array.from(rows, (row) => similarities[row]!) }
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
