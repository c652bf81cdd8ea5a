/**
 * A small deterministic pseudo-random generator (mulberry32) for training, fold assignment and the
 * random router, so that a seed reproduces a result bit for bit across runs and machines.
 *
 * @since 0.1.0
 */

/**
 * A seeded stream of numbers.
 *
 * @since 0.1.0
 */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  readonly next: () => number
  /** Uniform integer in [0, bound). */
  readonly nextInt: (bound: number) => number
  /** Standard normal (Box–Muller). */
  readonly nextGaussian: () => number
  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  readonly shuffle: <A>(items: Array<A>) => Array<A>
}

/**
 * Creates a generator from a 32-bit seed.
 *
 * @example
 * import { Routers } from "effect-llm-router"
 * const { SeededRandom } = Routers
 *
 * const random = SeededRandom.make(42)
 * random.next() // same value on every run
 *
 * @since 0.1.0
 */
export const make = (seed: number): SeededRandom => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const nextInt = (bound: number) => Math.floor(next() * bound)
  const nextGaussian = () => {
    const u = 1 - next()
    const v = next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  const shuffle = <A>(items: Array<A>): Array<A> => {
    for (let index = items.length - 1; index > 0; index--) {
      const other = nextInt(index + 1)
      const swap = items[index]!
      items[index] = items[other]!
      items[other] = swap
    }
    return items
  }
  return { next, nextInt, nextGaussian, shuffle }
}
