/**
 * Builds an embedder from its name, as used by `--embedder`, weight manifests and configs.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as ConcatEmbedder from "./ConcatEmbedder.ts"
import { EmbeddingError } from "./Embedder.ts"
import type { EmbedderShape } from "./Embedder.ts"
import * as HashingEmbedder from "./HashingEmbedder.ts"
import * as OpenAIEmbedder from "./OpenAIEmbedder.ts"
import * as StaticEmbedder from "./StaticEmbedder.ts"
import * as UseLiteEmbedder from "./UseLiteEmbedder.ts"

/**
 * Embedder names this registry understands.
 *
 * @since 0.1.0
 */
export const embedderNames: ReadonlyArray<string> = [
  "static",
  "hashing",
  "hashing-<dimension>",
  "use-lite",
  "openai",
  "openai:<model>",
  "<a>+<b> (concatenation)"
]

/**
 * Builds the embedder called `name`. Unknown names fail with `EmbeddingError` (`InvalidInput`)
 * listing the known ones.
 *
 * @since 0.1.0
 */
export const makeEmbedder = (name: string): Effect.Effect<EmbedderShape, EmbeddingError> => {
  if (name.includes("+")) {
    return Effect.map(
      Effect.forEach(name.split("+"), (part) => makeEmbedder(part)),
      ConcatEmbedder.make
    )
  }
  const hashing = /^hashing(?:-(\d+))?$/.exec(name)
  if (hashing !== null) {
    return HashingEmbedder.makeEffect(hashing[1] === undefined ? {} : { dimension: Number(hashing[1]) })
  }
  if (name === UseLiteEmbedder.NAME) return UseLiteEmbedder.make()
  if (name === StaticEmbedder.NAME) return StaticEmbedder.make()
  // Named in the docs, so asked for: say how to get it rather than "unknown".
  if (name === "transformers" || name.startsWith("transformers:"))
    return Effect.fail(
      new EmbeddingError({
        reason: "InvalidInput",
        message: `embedder "${name}" is library-only: build it with TransformersEmbedder.make({ modelPath }) and pass it to a router's make; --embedder takes: ${embedderNames.join(", ")}`
      })
    )
  if (name === "openai") return OpenAIEmbedder.makeFromConfig()
  if (name.startsWith("openai:")) return OpenAIEmbedder.makeFromConfig(name.slice("openai:".length))
  return Effect.fail(
    new EmbeddingError({
      reason: "InvalidInput",
      message: `unknown embedder "${name}"; known: ${embedderNames.join(", ")}`
    })
  )
}
