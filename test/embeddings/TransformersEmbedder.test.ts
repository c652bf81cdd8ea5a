import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as TransformersEmbedder from "../../src/embeddings/TransformersEmbedder.ts"
import * as OnnxGraph from "../../src/routers/OnnxGraph.ts"

// A tiny BERT-shaped model built here: a word-level tokenizer over 6 tokens and an ONNX graph whose
// last_hidden_state is a lookup of a 6×3 embedding table (Gather). Mean pooling over the attention
// mask then gives the mean of the words' rows.
const vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "cat", "dog"]
const table = [
  [0, 0, 0],
  [0, 0, 1],
  [0, 0, 0],
  [0, 0, 0],
  [1, 0, 0],
  [0, 1, 0]
]

const buildModel = (): string => {
  const root = mkdtempSync(join(tmpdir(), "tiny-model-"))
  const folder = join(root, "tiny-bert")
  mkdirSync(join(folder, "onnx"), { recursive: true })
  writeFileSync(
    join(folder, "config.json"),
    JSON.stringify({ model_type: "bert", hidden_size: 3, architectures: ["BertModel"] })
  )
  writeFileSync(
    join(folder, "tokenizer.json"),
    JSON.stringify({
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: vocabulary.slice(0, 4).map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true
      })),
      normalizer: { type: "Lowercase" },
      pre_tokenizer: { type: "Whitespace" },
      post_processor: null,
      decoder: null,
      model: {
        type: "WordLevel",
        vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
        unk_token: "[UNK]"
      }
    })
  )
  writeFileSync(
    join(folder, "tokenizer_config.json"),
    JSON.stringify({
      tokenizer_class: "PreTrainedTokenizer",
      pad_token: "[PAD]",
      unk_token: "[UNK]",
      model_max_length: 64
    })
  )
  writeFileSync(
    join(folder, "onnx", "model.onnx"),
    OnnxGraph.encodeModel({
      name: "tiny_bert",
      nodes: [{ opType: "Gather", inputs: ["table", "input_ids"], outputs: ["last_hidden_state"] }],
      initializers: [{ name: "table", dims: [6, 3], values: table.flat() }],
      inputs: [
        { name: "input_ids", shape: ["batch", "sequence"], elemType: "int64" },
        { name: "attention_mask", shape: ["batch", "sequence"], elemType: "int64" }
      ],
      outputs: [{ name: "last_hidden_state", shape: ["batch", "sequence", 3] }]
    })
  )
  return folder
}

describe("TransformersEmbedder", () => {
  it.effect("runs a local model folder offline with mean pooling and L2 normalisation", () =>
    Effect.gen(function* () {
      const embedder = yield* TransformersEmbedder.make({ modelPath: buildModel() })
      expect(embedder.dimension).toBe(3)
      expect(embedder.name).toBe("transformers:tiny-bert")
      const cat = yield* embedder.embed("cat")
      expect(Array.from(cat).map((v) => Number(v.toFixed(5)))).toEqual([1, 0, 0])
      // mean of cat (1,0,0) and dog (0,1,0), normalised: (1/√2, 1/√2, 0)
      const [both, unknown] = yield* embedder.embedMany(["Cat dog", "zebra"])
      expect(both![0]).toBeCloseTo(Math.SQRT1_2, 5)
      expect(both![1]).toBeCloseTo(Math.SQRT1_2, 5)
      expect(Array.from(unknown!).map((v) => Number(v.toFixed(5)))).toEqual([0, 0, 1])
    })
  )

  it.effect("a missing folder is a LoadFailed error, never a download", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        TransformersEmbedder.make({ modelPath: join(tmpdir(), "no-such-model-folder") })
      )
      expect(
        Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.reason === "LoadFailed"
      ).toBe(true)
    })
  )

  it.effect(
    "a missing or non-string modelPath (a JavaScript caller) is a LoadFailed error, not a TypeError",
    () =>
      Effect.gen(function* () {
        for (const options of [{}, { modelPath: 42 }, { modelPath: "  " }]) {
          const error = yield* Effect.flip(
            TransformersEmbedder.make(options as unknown as TransformersEmbedder.TransformersEmbedderOptions)
          )
          expect(error.reason).toBe("LoadFailed")
          expect(error.message).toContain(
            "modelPath must be the path of a local sentence-transformers ONNX folder"
          )
        }
      })
  )
})
