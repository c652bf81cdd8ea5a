/**
 * The services behind a routed client, as one layer: the `LlmRouter` over the config (with the
 * client's conversation policy), routing state, session affinity and the provider. Effect code
 * provides it to `RoutedChat` (or to `LlmRouter` directly); `createRoutedClient` builds its
 * `ManagedRuntime` from it.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import type { ConfigError } from "../core/Errors.ts"
import type { ConversationPolicy } from "../core/RoutingContext.ts"
import type { RouterConfig } from "../graph/Config.ts"
import * as LlmRouter from "../graph/LlmRouter.ts"
import type { Route } from "../graph/Route.ts"
import * as OpenAICompatibleProvider from "../providers/OpenAICompatibleProvider.ts"
import type { Provider } from "../providers/Provider.ts"
import type { RouterState } from "../state/index.ts"
import * as State from "../state/index.ts"
import type { SessionAffinityOptions } from "../state/SessionAffinity.ts"
import * as SessionAffinity from "../state/SessionAffinity.ts"
import { configFromSource } from "./configSource.ts"
import type { RoutedChatServices } from "./RoutedChat.ts"

/**
 * What a client routes with: a config file (JSON or YAML), a loaded `RouterConfig`, a config
 * object as it would appear in a file, or a single route written in TypeScript (served under
 * `name`, default `"default"`).
 * @since 0.1.0
 */
export type RoutedClientSource =
  string | RouterConfig | { readonly route: Route<RouterState>; readonly name?: string } | RouterConfigObject

/**
 * A config as it appears in a file, written as an object (decoded with the same Schema).
 * @since 0.1.0
 */
export interface RouterConfigObject {
  readonly version?: 1
  readonly conversation?: ConversationOption
  readonly deployments: ReadonlyArray<Readonly<Record<string, unknown>>>
  readonly routers?: Readonly<Record<string, unknown>>
  readonly routes: Readonly<Record<string, unknown>>
  readonly default?: string
  readonly routellm?: { readonly strong: string; readonly weak: string }
  readonly server?: Readonly<Record<string, unknown>>
}

/**
 * A conversation policy, as in code or as in a config file's `conversation:`.
 * @since 0.1.0
 */
export type ConversationOption =
  ConversationPolicy | "last-user" | "first-user" | { readonly conversation: { readonly maxTokens: number } }

/**
 * Settings of the services layer.
 * @since 0.1.0
 */
export interface LayerOptions {
  /** Which part of a conversation routers read; overrides the config's `conversation:`. */
  readonly conversation?: ConversationOption
  /** Session-affinity store settings (TTL, size) for the default in-memory store. */
  readonly sessions?: SessionAffinityOptions
  /** The provider (default: OpenAI-compatible over the `openai` SDK). */
  readonly provider?: Layer.Layer<Provider>
  /** Routing state (default: in memory). */
  readonly state?: Layer.Layer<RouterState>
  /** Session affinity (default: in memory with `sessions`). */
  readonly sessionAffinity?: Layer.Layer<SessionAffinity.SessionAffinity>
}

/**
 * A conversation option as a policy.
 * @since 0.1.0
 */
export const conversationPolicy = (option: ConversationOption): ConversationPolicy =>
  typeof option === "string"
    ? { _tag: option }
    : "_tag" in option
      ? option
      : { _tag: "conversation", maxTokens: option.conversation.maxTokens }

/**
 * Every service a routed call needs, built from a source.
 *
 * @example
 * import { Effect } from "effect"
 * import { RoutedChat, layer } from "effect-llm-router/client"
 *
 * const answer = RoutedChat.complete({ model: "main", messages: [{ role: "user", content: "Hi" }] }).pipe(
 *   Effect.provide(layer("router.config.yaml", { conversation: "first-user" }))
 * )
 *
 * @since 0.1.0
 */
export const layer = (
  source: RoutedClientSource,
  options: LayerOptions = {}
): Layer.Layer<RoutedChatServices, ConfigError> => {
  const router = Layer.effect(
    LlmRouter.LlmRouter,
    Effect.map(configFromSource(source), (config) =>
      LlmRouter.make(
        options.conversation === undefined
          ? config
          : { ...config, conversation: conversationPolicy(options.conversation) }
      )
    )
  )
  return Layer.mergeAll(
    router,
    options.state ?? State.layerMemory,
    options.sessionAffinity ?? SessionAffinity.layerMemory(options.sessions),
    options.provider ?? OpenAICompatibleProvider.layer
  )
}
