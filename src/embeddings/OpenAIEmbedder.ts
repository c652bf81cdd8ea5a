/**
 * OpenAI embeddings (`text-embedding-3-small`, 1536-d, or `-large`, 3072-d) through the official
 * `openai` SDK. The key comes from `Config.redacted("OPENAI_API_KEY")` and never reaches an error
 * message or a log line; `OPENAI_BASE_URL` points it at any OpenAI-compatible server.
 *
 * This is the embedder RouteLLM's released checkpoints were trained on.
 *
 * @since 0.1.0
 */
import { Config, Effect, Layer, Option, Redacted } from "effect"
import type OpenAI from "openai"
import { Embedder, EmbeddingError } from "./Embedder.ts"
import type { EmbedderShape } from "./Embedder.ts"

/**
 * Vector length of each known OpenAI embedding model.
 *
 * @since 0.1.0
 */

/** A network error code (`ECONNREFUSED`, `ENOTFOUND`, ...) somewhere in an error's causes. */
const networkCode = (error: unknown): string | undefined => {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { readonly code?: unknown }).code
    if (typeof code === "string") return code
    current = current.cause
  }
  return undefined
}

/** Status and type of an SDK error (never its message, which may quote the request). */
const describeApiError = (error: {
  readonly status?: number | undefined
  readonly type?: string | undefined
  readonly name: string
  readonly cause?: unknown
}): string => {
  if (error.status === undefined) {
    const code = networkCode(error.cause)
    // The SDK's error classes keep `name` "Error"; their constructor names say what happened.
    const kind = error.constructor.name === "Object" ? error.name : error.constructor.name
    return ` (no response: ${kind}${code === undefined ? "" : `, ${code}`}; check the network and OPENAI_BASE_URL)`
  }
  return ` (HTTP ${error.status}: ${error.type ?? error.name})`
}

export const DIMENSIONS: Readonly<Record<string, number>> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536
}

/**
 * Settings of the OpenAI embedder.
 *
 * @since 0.1.0
 */
export interface OpenAIEmbedderOptions {
  readonly apiKey: Redacted.Redacted<string>
  readonly model?: string
  readonly baseURL?: string
  /** Required for a model not in {@link DIMENSIONS}. */
  readonly dimension?: number
}

const BATCH = 256

interface Sdk {
  readonly sdk: OpenAI
  readonly APIError: typeof OpenAI.APIError
}

/**
 * Builds the embedder from explicit settings.
 *
 * @example
 * import { Effect, Redacted } from "effect"
 * import { Embeddings } from "effect-llm-router"
 * const { OpenAIEmbedder } = Embeddings
 *
 * const embedder = OpenAIEmbedder.make({ apiKey: Redacted.make("sk-..."), model: "text-embedding-3-small" })
 *
 * @since 0.1.0
 */
export const make = (options: OpenAIEmbedderOptions): Effect.Effect<EmbedderShape, EmbeddingError> => {
  const model = options.model ?? "text-embedding-3-small"
  const dimension = options.dimension ?? DIMENSIONS[model]
  if (dimension === undefined) {
    return Effect.fail(
      new EmbeddingError({
        reason: "InvalidInput",
        message: `unknown OpenAI embedding model "${model}": pass its dimension`
      })
    )
  }
  // The SDK loads on first use, so that processes which never embed through OpenAI (the CLI's
  // `route`, for one) do not pay for it at start-up.
  const client = Effect.cached(
    Effect.promise(() =>
      import("openai").then(({ default: OpenAISdk, APIError }) => ({
        sdk: new OpenAISdk({
          apiKey: Redacted.value(options.apiKey),
          ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
          maxRetries: 2
        }),
        APIError
      }))
    )
  )
  const request = ({ APIError, sdk }: Sdk, texts: ReadonlyArray<string>) =>
    Effect.tryPromise({
      try: (signal) =>
        sdk.embeddings.create({ model, input: [...texts], encoding_format: "float" }, { signal }),
      // The SDK's error message never contains the key, but keep only its status and type.
      catch: (cause) =>
        new EmbeddingError({
          reason: "Unavailable",
          message: `OpenAI embeddings request failed${cause instanceof APIError ? describeApiError(cause) : ""}`,
          cause: cause instanceof APIError ? { status: cause.status, type: cause.type } : undefined
        })
    }).pipe(
      Effect.flatMap((response) => {
        const vectors = [...response.data]
          .sort((a, b) => a.index - b.index)
          .map((item) => Float32Array.from(item.embedding))
        const wrong = vectors.find((vector) => vector.length !== dimension)
        return vectors.length !== texts.length || wrong !== undefined
          ? Effect.fail(
              new EmbeddingError({
                reason: "Unavailable",
                message: `OpenAI returned ${vectors.length} vectors of length ${wrong?.length ?? dimension} for ${texts.length} texts; expected ${dimension}`
              })
            )
          : Effect.succeed(vectors)
      })
    )
  return Effect.map(client, (getClient) => {
    const embedMany = (texts: ReadonlyArray<string>) =>
      Effect.flatMap(getClient, (sdk) =>
        Effect.map(
          Effect.forEach(
            Array.from({ length: Math.ceil(texts.length / BATCH) }, (_, index) =>
              texts.slice(index * BATCH, (index + 1) * BATCH)
            ),
            (batch) => request(sdk, batch)
          ),
          (chunks) => chunks.flat()
        )
      )
    return {
      name: `openai:${model}`,
      dimension,
      embed: (text: string) => Effect.map(embedMany([text]), (vectors) => vectors[0]!),
      embedMany
    } satisfies EmbedderShape
  })
}

/**
 * Builds the embedder from `Config`: `OPENAI_API_KEY` (redacted), optional `OPENAI_BASE_URL`.
 *
 * @since 0.1.0
 */
export const makeFromConfig = (model?: string): Effect.Effect<EmbedderShape, EmbeddingError> =>
  Effect.gen(function* () {
    const apiKey = yield* Config.redacted("OPENAI_API_KEY")
    const baseURL = yield* Config.option(Config.string("OPENAI_BASE_URL"))
    return { apiKey, baseURL }
  }).pipe(
    Effect.mapError(
      (cause) =>
        new EmbeddingError({
          reason: "LoadFailed",
          message: "the openai embedder needs OPENAI_API_KEY in the environment",
          cause
        })
    ),
    Effect.flatMap(({ apiKey, baseURL }) =>
      make({
        apiKey,
        ...(model === undefined ? {} : { model }),
        ...(Option.isSome(baseURL) ? { baseURL: baseURL.value } : {})
      })
    )
  )

/**
 * The `Embedder` service backed by OpenAI, configured from the environment.
 *
 * @since 0.1.0
 */
export const layerConfig = (model?: string): Layer.Layer<Embedder, EmbeddingError> =>
  Layer.effect(Embedder, makeFromConfig(model))
