/**
 * Text embedders: the `Embedder` service and its layers.
 *
 * @since 0.1.0
 */
export * from "./Embedder.ts"
export * as HashingEmbedder from "./HashingEmbedder.ts"
