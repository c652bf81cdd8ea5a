/**
 * A reader for the safetensors format (8-byte little-endian header length, a JSON header mapping
 * tensor names to dtype, shape and byte range, then the raw little-endian data), enough to load
 * RouteLLM's released checkpoints without Python.
 *
 * @since 0.1.0
 */
import { Data, Either, Schema } from "effect"
import { halfToFloat } from "./Weights.ts"

/**
 * The bytes are not a valid safetensors file.
 *
 * @since 0.1.0
 */
export class SafetensorsError extends Data.TaggedError("SafetensorsError")<{
  readonly reason: "Truncated" | "InvalidHeader" | "UnsupportedDtype" | "OutOfBounds"
  readonly message: string
  readonly cause?: unknown
}> {}

const HeaderEntry = Schema.Struct({
  dtype: Schema.String,
  shape: Schema.Array(Schema.Int.pipe(Schema.nonNegative())),
  data_offsets: Schema.Tuple(Schema.Int.pipe(Schema.nonNegative()), Schema.Int.pipe(Schema.nonNegative()))
})

/**
 * One decoded tensor, converted to float32.
 *
 * @since 0.1.0
 */
export interface SafeTensor {
  readonly dtype: string
  readonly shape: ReadonlyArray<number>
  readonly data: Float32Array
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 }

/**
 * Parses a safetensors buffer into float32 tensors (F32, F16, BF16 and F64 are supported).
 *
 * @since 0.1.0
 */
export const parse = (
  bytes: Uint8Array
): Either.Either<ReadonlyMap<string, SafeTensor>, SafetensorsError> => {
  if (bytes.byteLength < 8)
    return Either.left(
      new SafetensorsError({
        reason: "Truncated",
        message: `safetensors file is ${bytes.byteLength} bytes, shorter than its 8-byte header length`
      })
    )
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = Number(view.getBigUint64(0, true))
  // A safetensors header is a JSON object: its first byte is "{". Anything else (a JSON file, a
  // PyTorch pickle, random bytes) is not this format, whatever its first 8 bytes say as a length.
  if (bytes.byteLength > 8 && bytes[8] !== 0x7b) {
    return Either.left(
      new SafetensorsError({
        reason: "InvalidHeader",
        message:
          "not a safetensors file: it must start with an 8-byte little-endian header length followed by a JSON header"
      })
    )
  }
  if (8 + headerLength > bytes.byteLength) {
    return Either.left(
      new SafetensorsError({
        reason: "Truncated",
        message: `safetensors header claims ${headerLength} bytes but the file has ${bytes.byteLength - 8} after the length`
      })
    )
  }
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)))
  } catch (cause) {
    return Either.left(
      new SafetensorsError({
        reason: "InvalidHeader",
        message: "safetensors header is not valid JSON",
        cause
      })
    )
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    return Either.left(
      new SafetensorsError({ reason: "InvalidHeader", message: "safetensors header is not a JSON object" })
    )
  }
  const dataStart = 8 + headerLength
  const tensors = new Map<string, SafeTensor>()
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") continue
    const entry = Schema.decodeUnknownEither(HeaderEntry)(raw)
    if (Either.isLeft(entry)) {
      return Either.left(
        new SafetensorsError({
          reason: "InvalidHeader",
          message: `safetensors entry "${name}": ${entry.left.message}`,
          cause: entry.left
        })
      )
    }
    const {
      data_offsets: [begin, end],
      dtype,
      shape
    } = entry.right
    const width = BYTES[dtype]
    if (width === undefined)
      return Either.left(
        new SafetensorsError({
          reason: "UnsupportedDtype",
          message: `tensor "${name}" has unsupported dtype ${dtype}`
        })
      )
    const count = shape.reduce((product, size) => product * size, 1)
    if (end - begin !== count * width || dataStart + end > bytes.byteLength || begin > end) {
      return Either.left(
        new SafetensorsError({
          reason: "OutOfBounds",
          message: `tensor "${name}" (${dtype} [${shape.join(", ")}]) has byte range ${begin}..${end}, which does not match its shape or lies past the end of the file`
        })
      )
    }
    const data = new Float32Array(count)
    const base = dataStart + begin
    for (let index = 0; index < count; index++) {
      const at = base + index * width
      data[index] =
        dtype === "F32"
          ? view.getFloat32(at, true)
          : dtype === "F64"
            ? view.getFloat64(at, true)
            : dtype === "F16"
              ? halfToFloat(view.getUint16(at, true))
              : new Float32Array(new Uint32Array([view.getUint16(at, true) << 16]).buffer)[0]!
    }
    tensors.set(name, { dtype, shape, data })
  }
  return Either.right(tensors)
}

/**
 * Serialises float32 tensors as safetensors (used to build test fixtures and to export weights).
 *
 * @since 0.1.0
 */
export const serialize = (
  tensors: ReadonlyArray<{
    readonly name: string
    readonly shape: ReadonlyArray<number>
    readonly data: ArrayLike<number>
  }>
): Uint8Array => {
  const header: Record<string, unknown> = {}
  let offset = 0
  for (const item of tensors) {
    header[item.name] = {
      dtype: "F32",
      shape: item.shape,
      data_offsets: [offset, offset + item.data.length * 4]
    }
    offset += item.data.length * 4
  }
  let headerText = JSON.stringify(header)
  while ((8 + headerText.length) % 8 !== 0) headerText += " "
  const headerBytes = new TextEncoder().encode(headerText)
  const out = new Uint8Array(8 + headerBytes.byteLength + offset)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true)
  out.set(headerBytes, 8)
  let at = 8 + headerBytes.byteLength
  for (const item of tensors) {
    for (let index = 0; index < item.data.length; index++) {
      view.setFloat32(at, item.data[index]!, true)
      at += 4
    }
  }
  return out
}
