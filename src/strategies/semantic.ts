/**
 * `semantic`: a classifier that routes to the named route whose example utterances are nearest
 * (cosine similarity) to the routing text, or to a default when nothing is near enough.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { ConfigError } from "../core/Errors.ts"
import { Embedder } from "../embeddings/Embedder.ts"
import type { EmbedderShape, EmbeddingError } from "../embeddings/Embedder.ts"
import { RouterError } from "../routers/WinRateRouter.ts"
import * as Format from "./Format.ts"
import type { Classifier } from "./Strategy.ts"

/**
 * Settings of the semantic classifier.
 *
 * @since 0.1.0
 */
export interface SemanticOptions {
  /** Example utterances per route name. */
  readonly routes: Readonly<Record<string, ReadonlyArray<string>>>
  /** Least cosine similarity to the nearest utterance for its route to be taken. */
  readonly threshold: number
  /** The route when no utterance reaches `threshold`. */
  readonly default: string
}

/**
 * Cosine similarity of two vectors (0 when either is the zero vector).
 *
 * @since 0.1.0
 */
export const cosine = (a: Float32Array, b: Float32Array): number => {
  let dot = 0
  let normA = 0
  let normB = 0
  const length = Math.min(a.length, b.length)
  for (let index = 0; index < length; index++) {
    const x = a[index] ?? 0
    const y = b[index] ?? 0
    dot += x * y
    normA += x * x
    normB += y * y
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB)
}

const quote = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text)

/**
 * Builds the classifier, embedding every example utterance once, now. A route's similarity is that
 * of its nearest utterance; the best route wins if it reaches `threshold`, else `default`.
 * Fails with `ConfigError` when a route has no utterances, and with `EmbeddingError` when the
 * utterances cannot be embedded.
 *
 * @example
 * import { Effect } from "effect"
 * import { HashingEmbedder, Route, Strategies } from "effect-llm-router"
 *
 * const program = Effect.gen(function* () {
 *   const topic = yield* Strategies.semantic(
 *     {
 *       routes: {
 *         code: ["write a python function", "fix this stack trace"],
 *         chat: ["how are you today", "tell me a joke"]
 *       },
 *       threshold: 0.3,
 *       default: "chat"
 *     },
 *     HashingEmbedder.make()
 *   )
 *   return Route.branch(topic, { code: gpt4o, chat: mini })
 * })
 *
 * @since 0.1.0
 */
export const semantic = (
  options: SemanticOptions,
  embedder: EmbedderShape
): Effect.Effect<Classifier, ConfigError | EmbeddingError> =>
  Effect.gen(function* () {
    const names = Object.keys(options.routes)
    for (const name of names) {
      if ((options.routes[name] ?? []).length === 0) {
        return yield* new ConfigError({
          path: `routes.${name}`,
          message: `Semantic route "${name}" has no example utterances: give it at least one.`
        })
      }
    }
    const examples = names.flatMap((route) => (options.routes[route] ?? []).map((text) => ({ route, text })))
    const vectors = yield* embedder.embedMany(examples.map((example) => example.text))
    const indexed = examples.map((example, index) => ({
      ...example,
      vector: vectors[index] ?? new Float32Array()
    }))
    const classifier: Classifier = {
      name: "semantic",
      choices: [...new Set([...names, options.default])],
      classify: (context) =>
        Effect.gen(function* () {
          const query = yield* Effect.mapError(
            embedder.embed(context.text),
            (cause) =>
              new RouterError({
                router: "semantic",
                reason: "EmbeddingFailed",
                message: `Semantic routing could not embed the prompt with ${embedder.name}: ${cause.message}`,
                cause
              })
          )
          const nearest = new Map<string, { readonly similarity: number; readonly text: string }>()
          for (const example of indexed) {
            const similarity = cosine(query, example.vector)
            const best = nearest.get(example.route)
            if (best === undefined || similarity > best.similarity)
              nearest.set(example.route, { similarity, text: example.text })
          }
          const ranked = [...nearest.entries()].sort((a, b) => b[1].similarity - a[1].similarity)
          const scores = Object.fromEntries(ranked.map(([route, best]) => [route, best.similarity]))
          const listed = ranked
            .map(([route, best]) => `${route} ${best.similarity.toFixed(2)} (${quote(best.text)})`)
            .join(", ")
          const top = ranked[0]
          if (top !== undefined && top[1].similarity >= options.threshold) {
            return {
              choice: top[0],
              summary: `semantic (${embedder.name}): nearest ${listed}; threshold ${Format.score(options.threshold)} → ${top[0]}`,
              scores
            }
          }
          return {
            choice: options.default,
            summary: `semantic (${embedder.name}): nearest ${listed === "" ? "none" : listed}; below threshold ${Format.score(options.threshold)} → ${options.default} (default)`,
            scores
          }
        })
    }
    return classifier
  })

/**
 * {@link semantic} with the embedder taken from the `Embedder` service.
 *
 * @since 0.1.0
 */
export const semanticFromService = (
  options: SemanticOptions
): Effect.Effect<Classifier, ConfigError | EmbeddingError, Embedder> =>
  Effect.flatMap(Embedder, (embedder) => semantic(options, embedder))
