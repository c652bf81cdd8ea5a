/**
 * A classifier router: an ONNX graph over the prompt embedding, run with `onnxruntime-node`, whose
 * output is the strong model's win rate. The shipped/trained classifier is a logistic regression
 * written by {@link OnnxGraph.logisticRegression}; the same path runs a user's own ONNX classifier
 * (name its input and output, and which output column is the "strong wins" probability).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import * as OnnxGraph from "./OnnxGraph.ts"
import { embedPrompt } from "./RouterSupport.ts"
import * as Weights from "./Weights.ts"
import { RouterError } from "./WinRateRouter.ts"
import type { WinRateRouter } from "./WinRateRouter.ts"

/**
 * How to feed and read the ONNX graph.
 *
 * @since 0.1.0
 */
export interface ClassifierOptions {
  readonly embedder: EmbedderShape
  /** The ONNX model: bytes or a file path. */
  readonly model: Uint8Array | string
  /** Input tensor name (float32 [batch, dimension]). Default `embedding`, else the graph's only input. */
  readonly inputName?: string
  /** Output tensor name. Default: `probabilities` if the graph has it, else its first output. */
  readonly outputName?: string
  /** Column of the output holding P(strong wins) when the output has several. Default: the last. */
  readonly strongColumn?: number
  readonly name?: string
}

/**
 * Loads an ONNX graph and builds the router. Fails with `RouterError` (`InvalidWeights`) when the
 * file is missing, is not a valid ONNX model, has no input of the given name, or does not accept
 * the embedder's vectors.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings, Routers } from "effect-llm-router"
 * const { HashingEmbedder } = Embeddings
 * const { ClassifierRouter } = Routers
 *
 * const router = ClassifierRouter.make({ embedder: HashingEmbedder.make(), model: "my-classifier.onnx" })
 *
 * @since 0.1.0
 */
export const make = Effect.fn("ClassifierRouter.make")(function* (options: ClassifierOptions) {
  const name = options.name ?? "classifier"
  const invalid = (message: string, cause?: unknown) =>
    new RouterError({ router: name, reason: "InvalidWeights", message, cause })
  const source = options.model
  const bytes = yield* Effect.try({
    try: () => (typeof source === "string" ? new Uint8Array(readFileSync(source)) : source),
    catch: (cause) => invalid(`cannot read ONNX model ${String(source)}`, cause)
  })
  const ort = yield* Effect.tryPromise({
    try: () => import("onnxruntime-node"),
    catch: (cause) => invalid("onnxruntime-node is not available", cause)
  })
  const session = yield* Effect.tryPromise({
    try: () => ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }),
    catch: (cause) =>
      invalid(`not a valid ONNX model${typeof source === "string" ? `: ${source}` : ""}`, cause)
  })
  // Defaults that fit both our graphs and common exporters (skl2onnx names its input
  // "float_input" and its outputs "label" and "probabilities"): the input "embedding", else the
  // graph's only input; the output "probabilities" when there is one, else the first.
  const inputName =
    options.inputName ??
    (session.inputNames.includes("embedding") || session.inputNames.length !== 1
      ? "embedding"
      : session.inputNames[0]!)
  if (!session.inputNames.includes(inputName)) {
    return yield* invalid(`ONNX model has no input "${inputName}" (inputs: ${session.inputNames.join(", ")})`)
  }
  const outputName =
    options.outputName ??
    (session.outputNames.includes("probabilities") ? "probabilities" : session.outputNames[0])
  if (outputName === undefined || !session.outputNames.includes(outputName)) {
    return yield* invalid(
      `ONNX model has no output "${String(outputName)}" (outputs: ${session.outputNames.join(", ")})`
    )
  }
  const dimension = options.embedder.dimension
  // One inference on a zero vector now, so that a graph built for another embedding size fails
  // here, naming the file and the embedder, rather than on the first prompt.
  yield* Effect.tryPromise({
    try: () =>
      session.run({ [inputName]: new ort.Tensor("float32", new Float32Array(dimension), [1, dimension]) }),
    catch: (cause) =>
      invalid(
        `the ONNX model${typeof source === "string" ? ` ${source}` : ""} does not accept a ${dimension}-d embedding from the ${options.embedder.name} embedder; was it trained with another embedder? (${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)})`,
        cause
      )
  })
  const winRateOf = (vector: Float32Array) =>
    Effect.tryPromise({
      try: async () => {
        const result = await session.run({ [inputName]: new ort.Tensor("float32", vector, [1, dimension]) })
        const output = result[outputName]
        if (output === undefined) throw new Error(`output ${outputName} missing`)
        const values = output.data
        if (!(values instanceof Float32Array) || values.length === 0)
          throw new Error(`output ${outputName} is not a non-empty float32 tensor`)
        const value = values[Math.min(options.strongColumn ?? values.length - 1, values.length - 1)]!
        return Math.min(1, Math.max(0, value))
      },
      catch: (cause) =>
        new RouterError({
          router: name,
          reason: "Unavailable",
          message: `ONNX classifier failed: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause
        })
    })
  const router: WinRateRouter = {
    name,
    winRate: (prompt: string) => Effect.flatMap(embedPrompt(name, options.embedder, prompt), winRateOf)
  }
  return router
})

/**
 * Saves a logistic-regression classifier as an ONNX graph plus a manifest (`router: "classifier"`,
 * `extra.onnx` naming the graph file next to it).
 *
 * @since 0.1.0
 */
export const save = (
  manifestPath: string,
  model: { readonly weights: ArrayLike<number>; readonly bias: number },
  metadata: Omit<Weights.WeightsManifest, "format" | "tensors" | "file" | "router">
) =>
  Effect.gen(function* () {
    const onnxFile =
      manifestPath
        .replace(/\.json$/, "")
        .split("/")
        .pop()! + ".onnx"
    const stem = manifestPath.replace(/\.json$/, "")
    yield* Weights.checkWritable(manifestPath, [`${stem}.onnx`, `${stem}.bin`])
    yield* Effect.try({
      try: () => {
        // As saveWeights does for the manifest, which is written after the graph.
        Weights.makeDirectories(dirname(manifestPath))
        writeFileSync(
          join(dirname(manifestPath), onnxFile),
          OnnxGraph.logisticRegression(model.weights, model.bias)
        )
      },
      catch: (cause) =>
        new Weights.WeightsError({
          path: manifestPath,
          reason: "Missing",
          message: `cannot write ${join(dirname(manifestPath), onnxFile)}: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause
        })
    })
    return yield* Weights.saveWeights(
      manifestPath,
      { ...metadata, router: "classifier", extra: { ...metadata.extra, onnx: onnxFile } },
      []
    )
  })
