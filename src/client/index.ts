/**
 * The in-process routed client: a drop-in for the `openai` SDK's chat client (Promise API) and
 * the same routing as Effects (`RoutedChat`, `layer`, `LlmRouter`) for Effect code.
 *
 * @since 0.1.0
 */
export { createRoutedClient } from "./createRoutedClient.ts"
export type {
  RoutedChatCompletion,
  RoutedClient,
  RoutedClientOptions,
  RoutedCompletions,
  RoutedRequestOptions,
  RouteRequest
} from "./createRoutedClient.ts"
export { RoutedChatCompletionStream } from "./RoutedStream.ts"
export { CallAborted, ClientClosed, InvalidChatRequest, RoutedClientError } from "./errors.ts"
export type { RoutedCallError, RoutedErrorKind } from "./errors.ts"
export { conversationPolicy, layer } from "./layer.ts"
export type { ConversationOption, LayerOptions, RoutedClientSource } from "./layer.ts"
export * as RoutedChat from "./RoutedChat.ts"
export type {
  CallOptions,
  PlannedAttempt,
  RoutedCallOptions,
  RoutedPlan,
  RouterDecision
} from "./RoutedChat.ts"
export { explainMissingCapabilities, missingCapabilities } from "./capabilityRouting.ts"
export type { CapabilityRequirement } from "./capabilityRouting.ts"
export { continuesConversation, sessionKeyOf, stickToSession } from "../graph/Stickiness.ts"
export type { SessionDecision } from "../core/Plan.ts"
export { LlmRouter } from "../graph/LlmRouter.ts"
export * as SessionAffinity from "../state/SessionAffinity.ts"
