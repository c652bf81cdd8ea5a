/**
 * Writes small ONNX models (protobuf `ModelProto`) without a protobuf library: enough for a
 * logistic regression or a one-hidden-layer MLP over an embedding, which `onnxruntime-node` runs.
 *
 * Field numbers follow `onnx/onnx.proto` (ModelProto: ir_version 1, producer_name 2, graph 7,
 * opset_import 8; GraphProto: node 1, name 2, initializer 5, input 11, output 12; NodeProto: input 1,
 * output 2, name 3, op_type 4; TensorProto: dims 1, data_type 2, name 8, raw_data 9; ValueInfoProto:
 * name 1, type 2; TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 / dim_param 2).
 *
 * @since 0.1.0
 */

const varint = (value: number): Array<number> => {
  const bytes: Array<number> = []
  let rest = BigInt(value)
  do {
    let byte = Number(rest & 0x7fn)
    rest >>= 7n
    if (rest > 0n) byte |= 0x80
    bytes.push(byte)
  } while (rest > 0n)
  return bytes
}

const tag = (field: number, wireType: number) => varint((field << 3) | wireType)

const concat = (parts: ReadonlyArray<ArrayLike<number>>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

const intField = (field: number, value: number) => [...tag(field, 0), ...varint(value)]
const bytesField = (field: number, bytes: ArrayLike<number>) =>
  concat([tag(field, 2), varint(bytes.length), bytes])
const stringField = (field: number, text: string) => bytesField(field, new TextEncoder().encode(text))

const FLOAT = 1
const INT64 = 7

/**
 * A float32 tensor of initial values (weights).
 *
 * @since 0.1.0
 */
export interface Initializer {
  readonly name: string
  readonly dims: ReadonlyArray<number>
  readonly values: ArrayLike<number>
}

/**
 * One operator node.
 *
 * @since 0.1.0
 */
export interface Node {
  readonly opType: string
  readonly inputs: ReadonlyArray<string>
  readonly outputs: ReadonlyArray<string>
}

/**
 * A graph input or output: float32 (or int64) with a shape whose entries are sizes or symbolic names.
 *
 * @since 0.1.0
 */
export interface ValueInfo {
  readonly name: string
  readonly shape: ReadonlyArray<number | string>
  /** Element type: `float` (default) or `int64` (token ids). */
  readonly elemType?: "float" | "int64"
}

const tensorProto = (initializer: Initializer) => {
  const raw = new Uint8Array(initializer.values.length * 4)
  const view = new DataView(raw.buffer)
  for (let index = 0; index < initializer.values.length; index++)
    view.setFloat32(index * 4, initializer.values[index]!, true)
  return concat([
    ...initializer.dims.map((dim) => intField(1, dim)),
    intField(2, FLOAT),
    stringField(8, initializer.name),
    bytesField(9, raw)
  ])
}

const valueInfoProto = (info: ValueInfo) => {
  const dims = info.shape.map((dim) =>
    bytesField(1, typeof dim === "number" ? intField(1, dim) : stringField(2, dim))
  )
  const shape = concat(dims)
  const tensorType = concat([intField(1, info.elemType === "int64" ? INT64 : FLOAT), bytesField(2, shape)])
  const type = bytesField(1, tensorType)
  return concat([stringField(1, info.name), bytesField(2, type)])
}

const nodeProto = (node: Node, index: number) =>
  concat([
    ...node.inputs.map((input) => stringField(1, input)),
    ...node.outputs.map((output) => stringField(2, output)),
    stringField(3, `${node.opType}_${index}`),
    stringField(4, node.opType)
  ])

/**
 * Serialises a graph as an ONNX model (IR version 8, default opset 17).
 *
 * @since 0.1.0
 */
export const encodeModel = (graph: {
  readonly name: string
  readonly nodes: ReadonlyArray<Node>
  readonly initializers: ReadonlyArray<Initializer>
  readonly inputs: ReadonlyArray<ValueInfo>
  readonly outputs: ReadonlyArray<ValueInfo>
}): Uint8Array => {
  const graphBytes = concat([
    ...graph.nodes.map((node, index) => bytesField(1, nodeProto(node, index))),
    stringField(2, graph.name),
    ...graph.initializers.map((initializer) => bytesField(5, tensorProto(initializer))),
    ...graph.inputs.map((input) => bytesField(11, valueInfoProto(input))),
    ...graph.outputs.map((output) => bytesField(12, valueInfoProto(output)))
  ])
  const opset = concat([stringField(1, ""), intField(2, 17)])
  return concat([
    intField(1, 8),
    stringField(2, "effect-llm-router"),
    bytesField(7, graphBytes),
    bytesField(8, opset)
  ])
}

/**
 * A logistic-regression graph: `win_rate = sigmoid(embedding · weights + bias)`, input
 * `embedding` [batch, dimension], output `win_rate` [batch, 1].
 *
 * @since 0.1.0
 */
export const logisticRegression = (weights: ArrayLike<number>, bias: number): Uint8Array =>
  encodeModel({
    name: "logistic_regression",
    nodes: [
      { opType: "MatMul", inputs: ["embedding", "weights"], outputs: ["logits_raw"] },
      { opType: "Add", inputs: ["logits_raw", "bias"], outputs: ["logits"] },
      { opType: "Sigmoid", inputs: ["logits"], outputs: ["win_rate"] }
    ],
    initializers: [
      { name: "weights", dims: [weights.length, 1], values: weights },
      { name: "bias", dims: [1], values: [bias] }
    ],
    inputs: [{ name: "embedding", shape: ["batch", weights.length] }],
    outputs: [{ name: "win_rate", shape: ["batch", 1] }]
  })
