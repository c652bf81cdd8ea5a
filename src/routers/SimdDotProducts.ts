/**
 * Dot products of many queries with many rows on WebAssembly SIMD: the hot loop of the kNN and
 * similarity-weighted trainers, about three times faster than the best plain JavaScript loop.
 *
 * The numbers are exactly those of the one-pair loop `for (i) sum += row[i] * query[i]` in
 * JavaScript: each 128-bit lane holds one (query, row) sum in double precision, and every step is a
 * separate IEEE multiply then add (`f64x2.mul`, `f64x2.add`; WebAssembly never fuses them), in
 * increasing `i`. Only the work is shared: the rows are stored in interleaved pairs (`row r` and
 * `row r + 1` side by side for every `i`), so one load feeds two lanes, and four queries × four rows
 * are summed per pass (eight 2-lane accumulators).
 *
 * The module is assembled below, byte by byte (a few dozen instructions; no toolchain needed), and
 * compiled once per process. Where WebAssembly SIMD is missing, {@link available} is false and
 * callers use the JavaScript kernel.
 *
 * @since 0.1.0
 */

// --- a minimal WebAssembly encoder -------------------------------------------------------------

const unsignedLeb = (value: number): Array<number> => {
  const out: Array<number> = []
  let rest = value >>> 0
  do {
    let byte = rest & 0x7f
    rest >>>= 7
    if (rest !== 0) byte |= 0x80
    out.push(byte)
  } while (rest !== 0)
  return out
}

const signedLeb = (value: number): Array<number> => {
  const out: Array<number> = []
  let rest = value | 0
  for (;;) {
    const byte = rest & 0x7f
    rest >>= 7
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

const vector = (items: ReadonlyArray<ReadonlyArray<number>>): Array<number> => [
  ...unsignedLeb(items.length),
  ...items.flat()
]
const section = (id: number, bytes: ReadonlyArray<number>) => [id, ...unsignedLeb(bytes.length), ...bytes]
const name = (text: string) => vector([...text].map((character) => [character.charCodeAt(0)]))

const I32 = 0x7f
const V128 = 0x7b
const localGet = (index: number) => [0x20, ...unsignedLeb(index)]
const localSet = (index: number) => [0x21, ...unsignedLeb(index)]
const localTee = (index: number) => [0x22, ...unsignedLeb(index)]
const i32Const = (value: number) => [0x41, ...signedLeb(value)]
const i32Add = [0x6a]
const i32Mul = [0x6c]
const i32Shl = [0x74]
const i32LtS = [0x48]
const i32GtS = [0x4a]
const f64Load = [0x2b, 3, 0] // align 8, offset 0
const simd = (opcode: number) => [0xfd, ...unsignedLeb(opcode)]
const v128Load = [...simd(0x00), 4, 0] // align 16, offset 0
const v128Store = (offset: number) => [...simd(0x0b), 4, ...unsignedLeb(offset)]
const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)]
const f64x2Splat = simd(0x14)
const f64x2Add = simd(0xf0)
const f64x2Mul = simd(0xf2)
const block = (body: ReadonlyArray<number>) => [0x02, 0x40, ...body, 0x0b]
const loop = (body: ReadonlyArray<number>) => [0x03, 0x40, ...body, 0x0b]
const br = (depth: number) => [0x0c, ...unsignedLeb(depth)]
const brIf = (depth: number) => [0x0d, ...unsignedLeb(depth)]

// --- the kernel --------------------------------------------------------------------------------

// kernel(queries, queryCount, pairs, pairCount, dimension, out, outStride): byte addresses; queries
// row-major (queryCount × dimension doubles, queryCount a multiple of 4); pairs interleaved
// (pair p, element i at (p · dimension + i) · 2, pairCount even); out[q · outStride + 2p + lane].
const QUERIES = 0
const QUERY_COUNT = 1
const PAIRS = 2
const PAIR_COUNT = 3
const DIMENSION = 4
const OUT = 5
const OUT_STRIDE = 6
const Q = 7
const P = 8
const I8 = 9 // byte offset of element i in a query row
const I16 = 10 // byte offset of element i in a pair row
const QUERY_BASE = 11
const PAIR_BASE = 12
const ROW_BYTES = 13 // dimension · 8
const PAIR_BYTES = 14 // dimension · 16
const accumulator = (query: number, pair: number) => 15 + query * 2 + pair // 8 v128 locals: 15..22
const LEFT = 23
const RIGHT = 24
const SPLAT = 25

const queryRows = [0, 1, 2, 3]

const kernelBody = [
  ...localGet(DIMENSION),
  ...i32Const(3),
  ...i32Shl,
  ...localSet(ROW_BYTES),
  ...localGet(DIMENSION),
  ...i32Const(4),
  ...i32Shl,
  ...localSet(PAIR_BYTES),
  ...i32Const(0),
  ...localSet(Q),
  ...block(
    loop([
      // while (q + 4 <= queryCount)
      ...localGet(Q),
      ...i32Const(4),
      ...i32Add,
      ...localGet(QUERY_COUNT),
      ...i32GtS,
      ...brIf(1),
      ...localGet(QUERIES),
      ...localGet(Q),
      ...localGet(ROW_BYTES),
      ...i32Mul,
      ...i32Add,
      ...localSet(QUERY_BASE),
      ...i32Const(0),
      ...localSet(P),
      ...block(
        loop([
          // while (p + 2 <= pairCount): rows 2p .. 2p + 3
          ...localGet(P),
          ...i32Const(2),
          ...i32Add,
          ...localGet(PAIR_COUNT),
          ...i32GtS,
          ...brIf(1),
          ...localGet(PAIRS),
          ...localGet(P),
          ...localGet(PAIR_BYTES),
          ...i32Mul,
          ...i32Add,
          ...localSet(PAIR_BASE),
          ...queryRows.flatMap((query) => [
            ...v128Zero,
            ...localSet(accumulator(query, 0)),
            ...v128Zero,
            ...localSet(accumulator(query, 1))
          ]),
          ...i32Const(0),
          ...localSet(I8),
          ...i32Const(0),
          ...localSet(I16),
          ...loop([
            ...localGet(PAIR_BASE),
            ...localGet(I16),
            ...i32Add,
            ...v128Load,
            ...localSet(LEFT),
            ...localGet(PAIR_BASE),
            ...localGet(I16),
            ...i32Add,
            ...localGet(PAIR_BYTES),
            ...i32Add,
            ...v128Load,
            ...localSet(RIGHT),
            ...queryRows.flatMap((query) => [
              ...localGet(QUERY_BASE),
              ...localGet(I8),
              ...i32Add,
              ...(query === 0 ? [] : [...localGet(ROW_BYTES), ...i32Const(query), ...i32Mul, ...i32Add]),
              ...f64Load,
              ...f64x2Splat,
              ...localSet(SPLAT),
              // sum += row · query, lane by lane: multiply, then add
              ...localGet(accumulator(query, 0)),
              ...localGet(LEFT),
              ...localGet(SPLAT),
              ...f64x2Mul,
              ...f64x2Add,
              ...localSet(accumulator(query, 0)),
              ...localGet(accumulator(query, 1)),
              ...localGet(RIGHT),
              ...localGet(SPLAT),
              ...f64x2Mul,
              ...f64x2Add,
              ...localSet(accumulator(query, 1))
            ]),
            ...localGet(I16),
            ...i32Const(16),
            ...i32Add,
            ...localSet(I16),
            // do … while (i8 += 8) < dimension · 8
            ...localGet(I8),
            ...i32Const(8),
            ...i32Add,
            ...localTee(I8),
            ...localGet(ROW_BYTES),
            ...i32LtS,
            ...brIf(0)
          ]),
          ...queryRows.flatMap((query) => [
            // out + ((q + query) · outStride + 2p) · 8
            ...localGet(OUT),
            ...localGet(Q),
            ...i32Const(query),
            ...i32Add,
            ...localGet(OUT_STRIDE),
            ...i32Mul,
            ...localGet(P),
            ...i32Const(1),
            ...i32Shl,
            ...i32Add,
            ...i32Const(3),
            ...i32Shl,
            ...i32Add,
            ...localTee(I8), // spare local: the address, used twice
            ...localGet(accumulator(query, 0)),
            ...v128Store(0),
            ...localGet(I8),
            ...localGet(accumulator(query, 1)),
            ...v128Store(16)
          ]),
          ...localGet(P),
          ...i32Const(2),
          ...i32Add,
          ...localSet(P),
          ...br(0)
        ])
      ),
      ...localGet(Q),
      ...i32Const(4),
      ...i32Add,
      ...localSet(Q),
      ...br(0)
    ])
  )
]

const kernelFunction = [
  ...vector([
    [...unsignedLeb(8), I32],
    [...unsignedLeb(11), V128]
  ]),
  ...kernelBody,
  0x0b
]

const moduleBytes = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vector([[0x60, ...vector(new Array(7).fill([I32])), 0x00]])), // type: 7 × i32 → ()
  ...section(3, vector([[0x00]])), // one function of type 0
  ...section(5, vector([[0x00, ...unsignedLeb(1)]])), // one memory, 1 page to start
  ...section(
    7,
    vector([
      [...name("memory"), 0x02, 0x00],
      [...name("kernel"), 0x00, 0x00]
    ])
  ),
  ...section(10, vector([[...unsignedLeb(kernelFunction.length), ...kernelFunction]]))
])

// The project compiles without the DOM library, whose declarations hold WebAssembly's types: the
// few members used here, declared locally.
interface WasmMemory {
  readonly buffer: ArrayBuffer
  readonly grow: (pages: number) => number
}
interface WasmRuntime {
  readonly validate: (bytes: Uint8Array) => boolean
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object) => { readonly exports: Readonly<Record<string, unknown>> }
}

interface Kernel {
  readonly memory: WasmMemory
  readonly run: (...addresses: [number, number, number, number, number, number, number]) => void
}

const isMemory = (value: unknown): value is WasmMemory =>
  typeof value === "object" && value !== null && "buffer" in value && value.buffer instanceof ArrayBuffer

const instantiate = (): Kernel | undefined => {
  const wasm = (globalThis as { readonly WebAssembly?: WasmRuntime }).WebAssembly
  try {
    if (wasm === undefined || !wasm.validate(moduleBytes)) return undefined
    const { exports } = new wasm.Instance(new wasm.Module(moduleBytes))
    const { memory, kernel: run } = exports
    if (!isMemory(memory) || typeof run !== "function") return undefined
    return { memory, run: (...addresses) => void run(...addresses) }
  } catch {
    return undefined
  }
}

let kernel: Kernel | undefined | null = null
const getKernel = (): Kernel | undefined => {
  if (kernel === null) kernel = instantiate()
  return kernel
}

/**
 * Whether this runtime has WebAssembly SIMD (Node 16.4 and later do).
 *
 * @since 0.1.0
 */
export const available = (): boolean => getKernel() !== undefined

let busy = false

/**
 * Calls `visit(query, products)` for every query, in order, with its dot products against every
 * row (`rows`: row-major, `rowCount` × `dimension`); the view is valid only during the call. Returns
 * false, having done nothing, when WebAssembly SIMD is missing, the dimension is 0 or it is already
 * running (a `visit` that calls it again): then the caller computes the products itself.
 *
 * @since 0.1.0
 */
export const forEachDotProductRow = (
  queries: ReadonlyArray<ArrayLike<number>>,
  rows: ArrayLike<number>,
  rowCount: number,
  dimension: number,
  visit: (query: number, products: Float64Array) => void,
  block = 64
): boolean => {
  const simdKernel = getKernel()
  if (simdKernel === undefined || busy || dimension === 0) return false
  busy = true
  try {
    const d = dimension
    // Rows padded with zeros to a multiple of 4 (the kernel's 2 pairs per pass); queries in blocks
    // of a multiple of 4; every padded product is computed and never shown.
    const paddedRows = Math.ceil(rowCount / 4) * 4
    const queryBlock = Math.max(4, Math.ceil(block / 4) * 4)
    const pairsBytes = paddedRows * d * 8
    const queriesBytes = queryBlock * d * 8
    const outBytes = queryBlock * paddedRows * 8
    const needed = pairsBytes + queriesBytes + outBytes
    const memory = simdKernel.memory
    if (memory.buffer.byteLength < needed)
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65_536))
    const heap = new Float64Array(memory.buffer)
    const queriesAt = pairsBytes / 8
    const outAt = queriesAt + queriesBytes / 8
    for (let row = 0; row < paddedRows; row++) {
      const pairStart = (row >> 1) * d * 2 + (row & 1)
      for (let i = 0; i < d; i++) heap[pairStart + i * 2] = row < rowCount ? rows[row * d + i]! : 0
    }
    // Tiles of rows small enough to stay in cache while a block of queries passes over them.
    const tilePairs = Math.max(2, Math.floor(16_384 / d) * 2)
    for (let start = 0; start < queries.length; start += queryBlock) {
      const count = Math.min(queryBlock, queries.length - start)
      const padded = Math.ceil(count / 4) * 4
      heap.fill(0, queriesAt, queriesAt + padded * d)
      for (let q = 0; q < count; q++) {
        const query = queries[start + q]!
        for (let i = 0; i < d; i++) heap[queriesAt + q * d + i] = query[i] ?? 0
      }
      for (let pair = 0; pair < paddedRows / 2; pair += tilePairs) {
        simdKernel.run(
          queriesAt * 8,
          padded,
          pair * d * 16,
          Math.min(tilePairs, paddedRows / 2 - pair),
          d,
          (outAt + pair * 2) * 8,
          paddedRows
        )
      }
      for (let q = 0; q < count; q++)
        visit(start + q, heap.subarray(outAt + q * paddedRows, outAt + q * paddedRows + rowCount))
    }
    return true
  } finally {
    busy = false
  }
}
