/**
 * Router weights on disk: a JSON manifest (decoded with Schema) naming the router, the embedder, the
 * training data, hyper-parameters and measured metrics, next to one little-endian binary file of
 * tensors (float32 or float16).
 *
 * @since 0.1.0
 */
import { Data, Effect, Either, Option, Schema } from "effect"
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { decodeAt } from "../graph/ConfigDecode.ts"
import { packagePath } from "../PackagePaths.ts"
import * as Directories from "../core/Directories.ts"

/**
 * Weights could not be read or do not fit the router.
 *
 * @since 0.1.0
 */
export class WeightsError extends Data.TaggedError("WeightsError")<{
  readonly path: string
  readonly reason: "Missing" | "InvalidManifest" | "Corrupt" | "ShapeMismatch" | "WrongRouter"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Where one tensor lives in the binary file.
 *
 * @since 0.1.0
 */
export const TensorEntry = Schema.Struct({
  dtype: Schema.Literal("float32", "float16"),
  shape: Schema.Array(Schema.Int.pipe(Schema.nonNegative())),
  /** Byte offset in the binary file. */
  offset: Schema.Int.pipe(Schema.nonNegative())
})

/**
 * The manifest of a weights file.
 *
 * @since 0.1.0
 */
export const WeightsManifest = Schema.Struct({
  format: Schema.Literal("effect-llm-router/weights@1"),
  /** Router kind: `mf`, `classifier`, `knn`, `sw_ranking`, `static-embedder`, ... */
  router: Schema.String,
  /** Name of the embedder the router expects (as `--embedder` takes it), if any. */
  embedder: Schema.optional(Schema.String),
  /** Binary file with the tensors, relative to the manifest. */
  file: Schema.String,
  tensors: Schema.Record({ key: Schema.String, value: TensorEntry }),
  /** Model names, in the order of the model axis of the tensors. */
  models: Schema.optional(Schema.Array(Schema.String)),
  strongModel: Schema.optional(Schema.String),
  weakModel: Schema.optional(Schema.String),
  /** Free-form: what data, which hyper-parameters, which metrics, how to reproduce. */
  training: Schema.optional(Schema.Unknown),
  hyperParameters: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  metrics: Schema.optional(Schema.Unknown),
  extra: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * The decoded manifest type.
 *
 * @since 0.1.0
 */
export type WeightsManifest = typeof WeightsManifest.Type

/**
 * Loaded weights: the manifest and each tensor as a `Float32Array` with its shape.
 *
 * @since 0.1.0
 */
export interface LoadedWeights {
  readonly path: string
  readonly manifest: WeightsManifest
  readonly tensors: ReadonlyMap<
    string,
    { readonly shape: ReadonlyArray<number>; readonly data: Float32Array }
  >
  /**
   * The float16 tensors that `loadWeights` was asked to keep undecoded (`keepFloat16`), as their
   * raw bits: a consumer that reads a few rows per call (the static embedder reads one row per
   * token of a prompt) decodes them with `halfToFloatTable` and skips decoding megabytes at start.
   */
  readonly halfTensors: ReadonlyMap<
    string,
    { readonly shape: ReadonlyArray<number>; readonly bits: Uint16Array }
  >
}

/**
 * The `weights/` folder shipped with the package.
 *
 * @since 0.1.0
 */
export const shippedWeightsDir: string = packagePath("weights") + "/"

/**
 * Decodes an IEEE 754 half-precision value.
 *
 * @since 0.1.0
 */
export const halfToFloat = (half: number): number => {
  const sign = half & 0x8000 ? -1 : 1
  const exponent = (half >> 10) & 0x1f
  const fraction = half & 0x3ff
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024)
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024)
}

let halfTable: Float32Array | undefined

/**
 * Every half-precision value decoded once (256 KB): decoding a tensor is then one table lookup per
 * element, which keeps loading the shipped weights fast at start-up.
 *
 * @since 0.1.0
 */
export const halfToFloatTable = (): Float32Array => {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65536)
    // Normal numbers, infinities and NaNs by moving bits (fast); the 2,046 subnormals by arithmetic.
    const bits = new Uint32Array(halfTable.buffer)
    for (let half = 0; half < 65536; half++) {
      const exponent = (half >> 10) & 0x1f
      if (exponent === 0) {
        halfTable[half] = halfToFloat(half)
      } else {
        const sign = (half & 0x8000) << 16
        const fraction = (half & 0x3ff) << 13
        bits[half] = sign | ((exponent === 0x1f ? 0xff : exponent - 15 + 127) << 23) | fraction
      }
    }
  }
  return halfTable
}

/**
 * Encodes a number as IEEE 754 half precision (round to nearest).
 *
 * @since 0.1.0
 */
export const floatToHalf = (value: number): number => {
  const floatView = new Float32Array(1)
  const intView = new Uint32Array(floatView.buffer)
  floatView[0] = value
  const bits = intView[0]!
  const sign = (bits >>> 16) & 0x8000
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15
  let mantissa = bits & 0x7fffff
  if (exponent <= 0) {
    if (exponent < -10) return sign
    mantissa = (mantissa | 0x800000) >> (1 - exponent)
    return sign | ((mantissa + 0x1000) >> 13)
  }
  if (exponent >= 0x1f) return sign | 0x7c00
  const rounded = sign | (exponent << 10) | ((mantissa + 0x1000) >> 13)
  return rounded
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Decodes one little-endian float32 tensor (a copy), or `undefined` if it holds a NaN or an
 * infinity. Float16 tensors go through {@link halfBits} and {@link decodeHalfBits}.
 */
const float32Tensor = (buffer: Buffer, offset: number, count: number): Float32Array | undefined => {
  const data = new Float32Array(count)
  new Uint8Array(data.buffer).set(buffer.subarray(offset, offset + count * 4))
  if (!littleEndian)
    for (let index = 0; index < count; index++) data[index] = buffer.readFloatLE(offset + index * 4)
  for (let index = 0; index < count; index++) {
    const value = data[index]!
    if (value - value !== 0) return undefined // NaN or ±Infinity
  }
  return data
}

/**
 * The raw bits of a float16 tensor (a copy, so aligned whatever the offset), or `undefined` if it
 * holds a NaN or an infinity (all exponent bits set).
 */
const halfBits = (buffer: Buffer, offset: number, count: number): Uint16Array | undefined => {
  const bits = new Uint16Array(count)
  new Uint8Array(bits.buffer).set(buffer.subarray(offset, offset + count * 2))
  if (!littleEndian)
    for (let index = 0; index < count; index++) bits[index] = buffer.readUInt16LE(offset + index * 2)
  let special = 0
  for (let index = 0; index < count; index++) special |= Number((bits[index]! & 0x7c00) === 0x7c00)
  return special === 0 ? bits : undefined
}

const elementCount = (shape: ReadonlyArray<number>) => shape.reduce((product, size) => product * size, 1)

const elementSize = (dtype: "float32" | "float16") => (dtype === "float32" ? 4 : 2)

const describeTensor = (name: string, entry: typeof TensorEntry.Type) =>
  `tensor "${name}" (${entry.shape.join("×")} ${entry.dtype} at byte ${entry.offset})`

/**
 * The first problem with where a manifest's tensors lie in a binary file of `byteLength` bytes, if
 * any: a tensor running past the end of the file or overlapping another, bytes that belong to no
 * tensor (beyond alignment padding), or a file longer than its tensors. An offset that is not a
 * multiple of its element size is allowed: files written before tensors were padded have them
 * (a float32 tensor after an odd-length float16 one), and tensors are copied out byte by byte. Each of these means the file and the manifest do not belong together,
 * and reading on would give plausible-looking but meaningless win rates.
 */
const checkLayout = (
  manifest: WeightsManifest,
  byteLength: number,
  binaryPath: string
): string | undefined => {
  const placed = Object.entries(manifest.tensors).map(([name, entry]) => ({
    name,
    entry,
    end: entry.offset + elementCount(entry.shape) * elementSize(entry.dtype)
  }))
  for (const { end, entry, name } of placed) {
    if (end > byteLength)
      return `${describeTensor(name, entry)} runs past the end of ${binaryPath} (${byteLength} bytes): the file is truncated or does not belong to this manifest`
  }
  // Empty tensors occupy no bytes; the others, in file order, must tile the file.
  const sorted = placed
    .filter((tensor) => tensor.end > tensor.entry.offset)
    .sort((a, b) => a.entry.offset - b.entry.offset)
  let covered = 0
  for (let index = 0; index < sorted.length; index++) {
    const { entry, name } = sorted[index]!
    const previous = sorted[index - 1]
    if (previous !== undefined && entry.offset < previous.end)
      return `${describeTensor(name, entry)} overlaps tensor "${previous.name}" (bytes ${previous.entry.offset}–${previous.end - 1}) in ${binaryPath}; the manifest does not match the file`
    // Alignment padding only: less than one element of the tensor that follows.
    if (entry.offset - covered >= elementSize(entry.dtype))
      return `bytes ${covered}–${entry.offset - 1} of ${binaryPath} belong to no tensor (the next is ${describeTensor(name, entry)}); the manifest does not match the file`
    covered = sorted[index]!.end
  }
  if (byteLength !== covered)
    return `${binaryPath} has ${byteLength} bytes but the manifest's tensors end at byte ${covered}: the file does not belong to this manifest`
  return undefined
}

/**
 * Reads and checks a manifest plus its binary file. Errors name the file and what is wrong
 * (missing file, manifest not matching the schema, tensor past the end of the binary file, ...).
 *
 * @since 0.1.0
 */
export const loadWeights = Effect.fn("Weights.loadWeights")(function* (
  manifestPath: string,
  options?: {
    /** float16 tensors to keep as raw bits in `halfTensors` instead of decoding them. */
    readonly keepFloat16?: ReadonlyArray<string>
  }
) {
  const text = yield* Effect.try({
    try: () => readFileSync(manifestPath, "utf8"),
    catch: (cause) =>
      new WeightsError({
        path: manifestPath,
        reason: "Missing",
        message: `weights manifest not found or unreadable: ${manifestPath}`,
        cause
      })
  })
  const json = Either.try({
    try: () => JSON.parse(text) as unknown,
    catch: (cause) => cause
  })
  if (Either.isLeft(json)) {
    return yield* new WeightsError({
      path: manifestPath,
      reason: "InvalidManifest",
      message: manifestPath.endsWith(".json")
        ? `weights manifest ${manifestPath} is not valid JSON: ${json.left instanceof Error ? json.left.message : String(json.left)}`
        : `weights manifest ${manifestPath} is not JSON: pass the .json manifest that llm-router train wrote, not its tensor file`,
      cause: json.left
    })
  }
  // The field and the problem, not the whole schema: "tensors.x.dtype: Expected ...".
  const decoded = decodeAt(WeightsManifest, json.right, "", { excessProperties: "ignore" })
  if (Either.isLeft(decoded)) {
    return yield* new WeightsError({
      path: manifestPath,
      reason: "InvalidManifest",
      message: `weights manifest ${manifestPath} is invalid: ${decoded.left.message}`,
      cause: decoded.left
    })
  }
  const manifest = decoded.right
  const binaryPath = join(dirname(manifestPath), manifest.file)
  const buffer = yield* Effect.try({
    try: () => readFileSync(binaryPath),
    catch: (cause) =>
      new WeightsError({
        path: binaryPath,
        reason: "Missing",
        message: `weights file not found or unreadable: ${binaryPath}`,
        cause
      })
  })
  const layoutProblem = checkLayout(manifest, buffer.byteLength, binaryPath)
  if (layoutProblem !== undefined) {
    return yield* new WeightsError({ path: binaryPath, reason: "Corrupt", message: layoutProblem })
  }
  // Two names for one model make every win rate 0.5: the manifest was edited or written wrongly.
  if (manifest.strongModel !== undefined && manifest.strongModel === manifest.weakModel) {
    return yield* new WeightsError({
      path: manifestPath,
      reason: "InvalidManifest",
      message: `weights manifest ${manifestPath} is invalid: strongModel and weakModel are both "${manifest.strongModel}"; a router compares two different models`
    })
  }
  const tensors = new Map<string, { shape: ReadonlyArray<number>; data: Float32Array }>()
  const halfTensors = new Map<string, { shape: ReadonlyArray<number>; bits: Uint16Array }>()
  const keep = new Set(options?.keepFloat16 ?? [])
  for (const [name, entry] of Object.entries(manifest.tensors)) {
    const count = elementCount(entry.shape)
    const bits = entry.dtype === "float16" ? halfBits(buffer, entry.offset, count) : undefined
    const data =
      entry.dtype === "float32"
        ? float32Tensor(buffer, entry.offset, count)
        : bits === undefined || keep.has(name)
          ? bits
          : decodeHalfBits(bits)
    if (data === undefined) {
      return yield* new WeightsError({
        path: binaryPath,
        reason: "Corrupt",
        message: `tensor "${name}" in ${binaryPath} contains NaN or infinite values`
      })
    }
    if (data instanceof Uint16Array) halfTensors.set(name, { shape: entry.shape, bits: data })
    else tensors.set(name, { shape: entry.shape, data })
  }
  return { path: manifestPath, manifest, tensors, halfTensors } satisfies LoadedWeights
})

/**
 * Returns a tensor, checking it exists and has the expected shape (`-1` matches any size).
 *
 * @since 0.1.0
 */
export const tensor = (
  weights: LoadedWeights,
  name: string,
  shape: ReadonlyArray<number>
): Effect.Effect<Float32Array, WeightsError> => {
  const half = weights.halfTensors.get(name)
  if (half !== undefined) {
    return Effect.as(checkShape(weights, name, half.shape, shape), decodeHalfBits(half.bits))
  }
  const found = weights.tensors.get(name)
  return found === undefined
    ? Effect.fail(missingTensor(weights, name))
    : Effect.as(checkShape(weights, name, found.shape, shape), found.data)
}

/**
 * A tensor kept as float16 bits (see `keepFloat16`), checking it exists and has the expected shape;
 * `Option.none()` if the tensor exists but was decoded (stored as float32, or not asked to be kept).
 *
 * @since 0.1.0
 */
export const halfTensor = (
  weights: LoadedWeights,
  name: string,
  shape: ReadonlyArray<number>
): Effect.Effect<Option.Option<Uint16Array>, WeightsError> => {
  const half = weights.halfTensors.get(name)
  if (half !== undefined)
    return Effect.as(checkShape(weights, name, half.shape, shape), Option.some(half.bits))
  const found = weights.tensors.get(name)
  return found === undefined
    ? Effect.fail(missingTensor(weights, name))
    : Effect.as(checkShape(weights, name, found.shape, shape), Option.none())
}

/**
 * Decodes float16 bits to float32 values.
 *
 * @since 0.1.0
 */
export const decodeHalfBits = (bits: Uint16Array): Float32Array => {
  const table = halfToFloatTable()
  const data = new Float32Array(bits.length)
  for (let index = 0; index < bits.length; index++) data[index] = table[bits[index]!]!
  return data
}

const missingTensor = (weights: LoadedWeights, name: string) =>
  new WeightsError({
    path: weights.path,
    reason: "ShapeMismatch",
    message: `weights ${weights.path} have no tensor "${name}"`
  })

const checkShape = (
  weights: LoadedWeights,
  name: string,
  actual: ReadonlyArray<number>,
  expected: ReadonlyArray<number>
): Effect.Effect<void, WeightsError> =>
  actual.length === expected.length && expected.every((size, index) => size === -1 || size === actual[index])
    ? Effect.void
    : Effect.fail(
        new WeightsError({
          path: weights.path,
          reason: "ShapeMismatch",
          message: `tensor "${name}" in ${weights.path} has shape [${actual.join(", ")}], expected [${expected.map((size) => (size === -1 ? "*" : size)).join(", ")}]`
        })
      )

/**
 * Creates a directory and its missing parents (see `Directories.makeDirectories`).
 *
 * @since 0.1.0
 */
export const makeDirectories = Directories.makeDirectories

/**
 * Writes a manifest and its binary file (tensors concatenated in the given order).
 *
 * @since 0.1.0
 */
export const saveWeights = Effect.fn("Weights.saveWeights")(function* (
  manifestPath: string,
  manifest: Omit<WeightsManifest, "format" | "tensors" | "file"> & { readonly file?: string },
  tensors: ReadonlyArray<{
    readonly name: string
    readonly shape: ReadonlyArray<number>
    readonly data: ArrayLike<number>
    readonly dtype?: "float32" | "float16"
  }>
) {
  const file =
    manifest.file ??
    manifestPath
      .replace(/\.json$/, "")
      .split("/")
      .pop()! + ".bin"
  const entries: Record<string, typeof TensorEntry.Type> = {}
  const chunks: Array<Buffer> = []
  let offset = 0
  for (const item of tensors) {
    const dtype = item.dtype ?? "float32"
    if (elementCount(item.shape) !== item.data.length) {
      return yield* new WeightsError({
        path: manifestPath,
        reason: "ShapeMismatch",
        message: `tensor "${item.name}" has ${item.data.length} values but shape [${item.shape.join(", ")}]`
      })
    }
    // Every tensor starts at a multiple of its element size, as loadWeights requires.
    const padding = (elementSize(dtype) - (offset % elementSize(dtype))) % elementSize(dtype)
    if (padding > 0) {
      chunks.push(Buffer.alloc(padding))
      offset += padding
    }
    const chunk = Buffer.alloc(item.data.length * elementSize(dtype))
    for (let index = 0; index < item.data.length; index++) {
      if (dtype === "float32") chunk.writeFloatLE(item.data[index]!, index * 4)
      else chunk.writeUInt16LE(floatToHalf(item.data[index]!), index * 2)
    }
    entries[item.name] = { dtype, shape: [...item.shape], offset }
    offset += chunk.byteLength
    chunks.push(chunk)
  }
  const full: WeightsManifest = { ...manifest, format: "effect-llm-router/weights@1", file, tensors: entries }
  const binaryPath = join(dirname(manifestPath), file)
  yield* checkWritable(manifestPath, [binaryPath])
  yield* Effect.try({
    try: () => {
      makeDirectories(dirname(manifestPath))
      writeAll([
        { path: binaryPath, data: Buffer.concat(chunks) },
        { path: manifestPath, data: JSON.stringify(full, null, 2) + "\n" }
      ])
    },
    catch: (cause) =>
      new WeightsError({
        path: manifestPath,
        reason: "Missing",
        message: `cannot write weights to ${manifestPath}: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  })
  return full
})

/**
 * Checks, before anything is written, that a weights manifest and the files beside it can be
 * written where asked: none of them is an existing directory. A failure here leaves no half-written
 * set of files behind (a tensor file without its manifest).
 *
 * @since 0.1.0
 */
export const checkWritable = (
  manifestPath: string,
  companions: ReadonlyArray<string> = []
): Effect.Effect<void, WeightsError> => {
  for (const path of [manifestPath, ...companions]) {
    if (existsSync(path) && statSync(path).isDirectory())
      return Effect.fail(
        new WeightsError({
          path: manifestPath,
          reason: "Missing",
          message: `cannot write weights to ${manifestPath}: ${path} is a directory; pass a file path such as ${join(manifestPath, "weights.json")}`
        })
      )
  }
  return Effect.void
}

/**
 * Writes files each under a temporary name, then renames them into place: a failure while writing
 * (a full disk, a missing permission) removes the temporaries and replaces no file.
 *
 * @since 0.1.0
 */
export const writeAll = (
  files: ReadonlyArray<{ readonly path: string; readonly data: string | Uint8Array }>
) => {
  const temporary = (path: string) => `${path}.tmp-${process.pid}`
  try {
    for (const file of files) writeFileSync(temporary(file.path), file.data)
    for (const file of files) renameSync(temporary(file.path), file.path)
  } catch (cause) {
    for (const file of files) rmSync(temporary(file.path), { force: true })
    throw cause
  }
}
