/**
 * RouteLLM's released matrix-factorisation checkpoints (`routellm/mf_gpt4_augmented`, safetensors
 * over 1536-d OpenAI `text-embedding-3-small` embeddings), loaded into a
 * `MatrixFactorizationModel` so that users with an OpenAI key can run RouteLLM's own router.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import type { MatrixFactorizationModel } from "./MatrixFactorizationRouter.ts"
import * as Safetensors from "./Safetensors.ts"
import * as Weights from "./Weights.ts"

/**
 * Model ids of RouteLLM's MF checkpoints (`routellm/routers/matrix_factorization/model.py`), in id order.
 *
 * @since 0.1.0
 */
export const ROUTELLM_MODELS: ReadonlyArray<string> = [
  "RWKV-4-Raven-14B",
  "alpaca-13b",
  "chatglm-6b",
  "chatglm2-6b",
  "chatglm3-6b",
  "claude-1",
  "claude-2.0",
  "claude-2.1",
  "claude-instant-1",
  "codellama-34b-instruct",
  "deepseek-llm-67b-chat",
  "dolly-v2-12b",
  "dolphin-2.2.1-mistral-7b",
  "falcon-180b-chat",
  "fastchat-t5-3b",
  "gemini-pro",
  "gemini-pro-dev-api",
  "gpt-3.5-turbo-0125",
  "gpt-3.5-turbo-0314",
  "gpt-3.5-turbo-0613",
  "gpt-3.5-turbo-1106",
  "gpt-4-0125-preview",
  "gpt-4-0314",
  "gpt-4-0613",
  "gpt-4-1106-preview",
  "gpt4all-13b-snoozy",
  "guanaco-33b",
  "koala-13b",
  "llama-13b",
  "llama-2-13b-chat",
  "llama-2-70b-chat",
  "llama-2-7b-chat",
  "llama2-70b-steerlm-chat",
  "mistral-7b-instruct",
  "mistral-7b-instruct-v0.2",
  "mistral-medium",
  "mixtral-8x7b-instruct-v0.1",
  "mpt-30b-chat",
  "mpt-7b-chat",
  "nous-hermes-2-mixtral-8x7b-dpo",
  "oasst-pythia-12b",
  "openchat-3.5",
  "openchat-3.5-0106",
  "openhermes-2.5-mistral-7b",
  "palm-2",
  "pplx-70b-online",
  "pplx-7b-online",
  "qwen-14b-chat",
  "qwen1.5-4b-chat",
  "qwen1.5-72b-chat",
  "qwen1.5-7b-chat",
  "solar-10.7b-instruct-v1.0",
  "stablelm-tuned-alpha-7b",
  "starling-lm-7b-alpha",
  "stripedhyena-nous-7b",
  "tulu-2-dpo-70b",
  "vicuna-13b",
  "vicuna-33b",
  "vicuna-7b",
  "wizardlm-13b",
  "wizardlm-70b",
  "yi-34b-chat",
  "zephyr-7b-alpha",
  "zephyr-7b-beta"
]

/**
 * Converts RouteLLM's MF checkpoint (safetensors with `P.weight` [64, dim], `text_proj.0.weight`
 * [dim, 1536] and `classifier.0.weight` [1, dim]) into a {@link MatrixFactorizationModel}: model
 * vectors are the L2-normalised rows of `P` scaled by the classifier, exactly as RouteLLM's forward
 * pass computes `classifier(normalize(P[m]) * text_proj(x))`. Use it with the OpenAI
 * `text-embedding-3-small` embedder (1536-d).
 *
 * @since 0.1.0
 */
export const load = (
  bytes: Uint8Array,
  path = "<checkpoint>"
): Effect.Effect<MatrixFactorizationModel, Weights.WeightsError> => {
  const parsed = Safetensors.parse(bytes)
  if (Either.isLeft(parsed)) {
    return Effect.fail(
      new Weights.WeightsError({
        path,
        reason: "Corrupt",
        message: `${path}: ${parsed.left.message}`,
        cause: parsed.left
      })
    )
  }
  const tensors = parsed.right
  const get = (name: string, check: (shape: ReadonlyArray<number>) => boolean, expected: string) => {
    const found = tensors.get(name)
    return found !== undefined && check(found.shape)
      ? Effect.succeed(found)
      : Effect.fail(
          new Weights.WeightsError({
            path,
            reason: "ShapeMismatch",
            message: `${path}: expected tensor "${name}" with shape ${expected}, found ${found === undefined ? "none" : `[${found.shape.join(", ")}]`}`
          })
        )
  }
  return Effect.gen(function* () {
    const p = yield* get(
      "P.weight",
      (shape) => shape.length === 2 && shape[0] === ROUTELLM_MODELS.length,
      `[${ROUTELLM_MODELS.length}, dim]`
    )
    const dim = p.shape[1]!
    const textProjection = yield* get(
      "text_proj.0.weight",
      (shape) => shape.length === 2 && shape[0] === dim,
      `[${dim}, text_dim]`
    )
    const classifier = yield* get(
      "classifier.0.weight",
      (shape) => shape.length === 2 && shape[0] === 1 && shape[1] === dim,
      `[1, ${dim}]`
    )
    const modelVectors = new Float32Array(ROUTELLM_MODELS.length * dim)
    for (let m = 0; m < ROUTELLM_MODELS.length; m++) {
      let norm = 0
      for (let r = 0; r < dim; r++) norm += p.data[m * dim + r]! ** 2
      const scale = 1 / Math.max(Math.sqrt(norm), 1e-12)
      for (let r = 0; r < dim; r++)
        modelVectors[m * dim + r] = p.data[m * dim + r]! * scale * classifier.data[r]!
    }
    return {
      models: ROUTELLM_MODELS,
      inputDimension: textProjection.shape[1]!,
      rank: dim,
      projection: textProjection.data,
      modelVectors,
      modelBias: new Float32Array(ROUTELLM_MODELS.length)
    } satisfies MatrixFactorizationModel
  })
}
