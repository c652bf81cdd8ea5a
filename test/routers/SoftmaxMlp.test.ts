import { describe, expect, it } from "@effect/vitest"
import * as SeededRandom from "../../src/routers/SeededRandom.ts"
import * as SoftmaxMlp from "../../src/routers/SoftmaxMlp.ts"

const randomNetwork = (inputs: number, hidden: number, seed: number) => {
  const random = SeededRandom.make(seed)
  return SoftmaxMlp.unflatten(
    Float64Array.from({ length: SoftmaxMlp.parameterCount(inputs, hidden) }, () => random.nextGaussian()),
    inputs,
    hidden
  )
}

// Three well-separated blobs in two dimensions, labels 0, 1, 2.
const blobs = (count: number, seed: number) => {
  const random = SeededRandom.make(seed)
  const centres = [
    [2, 0],
    [-1, 1.7],
    [-1, -1.7]
  ]
  const classes = Int32Array.from({ length: count }, (_, index) => index % 3)
  const rows = new Float64Array(count * 2)
  classes.forEach((label, row) => {
    rows[row * 2] = centres[label]![0]! + 0.5 * random.nextGaussian()
    rows[row * 2 + 1] = centres[label]![1]! + 0.5 * random.nextGaussian()
  })
  return { rows, classes }
}

describe("SoftmaxMlp", () => {
  it("the analytic gradient matches central finite differences of the penalised loss", () => {
    const inputs = 4
    const hidden = 3
    const network = randomNetwork(inputs, hidden, 1)
    const random = SeededRandom.make(2)
    const count = 12
    const rows = Float64Array.from({ length: count * inputs }, () => random.nextGaussian())
    const classes = Int32Array.from({ length: count }, (_, index) => index % 3)
    const indices = Int32Array.from({ length: count }, (_, index) => index)
    const l2 = 0.05
    const { gradient } = SoftmaxMlp.lossAndGradient(network, rows, classes, indices, l2)
    const analytic = SoftmaxMlp.flatten(gradient)
    const flat = SoftmaxMlp.flatten(network)
    const lossAt = (values: Float64Array) =>
      SoftmaxMlp.lossAndGradient(SoftmaxMlp.unflatten(values, inputs, hidden), rows, classes, indices, l2)
        .loss
    const step = 1e-6
    flat.forEach((value, index) => {
      const up = Float64Array.from(flat)
      const down = Float64Array.from(flat)
      up[index] = value + step
      down[index] = value - step
      const numeric = (lossAt(up) - lossAt(down)) / (2 * step)
      expect(Math.abs(numeric - analytic[index]!)).toBeLessThan(1e-7 + 1e-5 * Math.abs(numeric))
    })
  })

  it("learns separable classes, deterministically for a seed", () => {
    const training = blobs(300, 3)
    const test = blobs(150, 4)
    const options = { hidden: 8, l2: 1e-3, seed: 7, snapshots: [1, 30] }
    const snapshots = SoftmaxMlp.train(training.rows, 300, 2, training.classes, options)
    expect([...snapshots.keys()]).toEqual([1, 30])
    const accuracy = (network: SoftmaxMlp.MlpParameters) => {
      let right = 0
      test.classes.forEach((label, row) => {
        const p = SoftmaxMlp.probabilities(network, test.rows.subarray(row * 2, row * 2 + 2))
        if (p[label]! === Math.max(...p)) right++
      })
      return right / test.classes.length
    }
    expect(accuracy(snapshots.get(30)!)).toBeGreaterThan(0.95)
    // Probabilities sum to one.
    const p = SoftmaxMlp.probabilities(snapshots.get(30)!, [0.3, -0.2])
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 12)
    // The margin is P(1) − P(2), averaged over networks.
    const other = snapshots.get(1)!
    const q = SoftmaxMlp.probabilities(other, [0.3, -0.2])
    expect(SoftmaxMlp.margin([snapshots.get(30)!, other], [0.3, -0.2])).toBeCloseTo(
      (p[1]! - p[2]! + q[1]! - q[2]!) / 2,
      12
    )
    const again = SoftmaxMlp.train(training.rows, 300, 2, training.classes, options)
    expect(SoftmaxMlp.flatten(again.get(30)!)).toEqual(SoftmaxMlp.flatten(snapshots.get(30)!))
    const otherSeed = SoftmaxMlp.train(training.rows, 300, 2, training.classes, { ...options, seed: 8 })
    expect(SoftmaxMlp.flatten(otherSeed.get(30)!)).not.toEqual(SoftmaxMlp.flatten(snapshots.get(30)!))
  })

  it("a larger penalty gives smaller weights", () => {
    const training = blobs(150, 5)
    const norm = (l2: number) => {
      const network = SoftmaxMlp.train(training.rows, 150, 2, training.classes, {
        hidden: 6,
        l2,
        seed: 1,
        batchSize: 16,
        snapshots: [100]
      }).get(100)!
      return [...network.w1, ...network.w2].reduce((sum, value) => sum + value * value, 0)
    }
    expect(norm(0.3)).toBeLessThan(0.5 * norm(0))
  })

  it("flatten and unflatten round-trip; a wrong parameter count is refused with the sizes", () => {
    const network = randomNetwork(5, 4, 9)
    const flat = SoftmaxMlp.flatten(network)
    expect(flat.length).toBe(5 * 4 + 4 + 4 * 3 + 3)
    expect(SoftmaxMlp.unflatten(flat, 5, 4)).toEqual(network)
    expect(() => SoftmaxMlp.unflatten(flat.subarray(1), 5, 4)).toThrow(
      /5 inputs and 4 hidden units has 39 parameters, not 38/
    )
  })
})
