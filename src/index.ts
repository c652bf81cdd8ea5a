/**
 * effect-llm-router: typed routing graphs for LLM requests.
 *
 * @since 0.1.0
 */
export * as ChatCompletion from "./core/ChatCompletion.ts"
export { Capabilities, Deployment, supports } from "./core/Deployment.ts"
export * from "./core/Errors.ts"
export * as Plan from "./core/Plan.ts"
export * as RoutingContext from "./core/RoutingContext.ts"
export * as Tokens from "./core/Tokens.ts"
export * as Embeddings from "./embeddings/index.ts"
export { Embedder, EmbeddingError } from "./embeddings/Embedder.ts"
export * as RouterConfig from "./graph/Config.ts"
export * as LlmRouter from "./graph/LlmRouter.ts"
export * as Route from "./graph/Route.ts"
export * as Router from "./graph/Router.ts"
export type { QualityRouter, WinRateRouter } from "./routers/WinRateRouter.ts"
export { RouterError } from "./routers/WinRateRouter.ts"
export * as State from "./state/index.ts"
export * as Strategies from "./strategies/index.ts"
export * as Providers from "./providers/index.ts"
export * as Failover from "./fallback/index.ts"
export * as Client from "./client/index.ts"
export { createRoutedClient, RoutedClientError } from "./client/index.ts"
export type {
  RoutedChatCompletion,
  RoutedClient,
  RoutedClientOptions,
  RoutedPlan,
  RouterDecision
} from "./client/index.ts"
export * as SessionAffinity from "./state/SessionAffinity.ts"
export * as RedisState from "./state/RedisState.ts"
export * as Server from "./server/index.ts"
export * as Routers from "./routers/index.ts"
