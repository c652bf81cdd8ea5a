/**
 * Text embedders: the `Embedder` service and its layers.
 *
 * @since 0.1.0
 */
export * from "./Embedder.ts"
export * as ConcatEmbedder from "./ConcatEmbedder.ts"
export * as EmbedderRegistry from "./EmbedderRegistry.ts"
export * as EmbeddingCache from "./EmbeddingCache.ts"
export * as HashingEmbedder from "./HashingEmbedder.ts"
export * as OpenAIEmbedder from "./OpenAIEmbedder.ts"
export * as SentencePieceTokenizer from "./SentencePieceTokenizer.ts"
export * as StaticEmbedder from "./StaticEmbedder.ts"
export * as TransformersEmbedder from "./TransformersEmbedder.ts"
export * as UseLiteEmbedder from "./UseLiteEmbedder.ts"
