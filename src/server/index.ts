/**
 * The OpenAI-compatible router server: endpoints, errors, body decoding, authentication, decision
 * headers, server-sent events, metrics, tracing and graceful shutdown.
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.ts"
export * as ChatCompletions from "./ChatCompletions.ts"
export * as DecisionHeaders from "./DecisionHeaders.ts"
export * as Domain from "./Domain.ts"
export * as Endpoints from "./Endpoints.ts"
export * as HttpErrors from "./HttpErrors.ts"
export * as Lifecycle from "./Lifecycle.ts"
export * as Prometheus from "./Prometheus.ts"
export * as RequestBody from "./RequestBody.ts"
export * as RouterServer from "./RouterServer.ts"
export * as ServerMetrics from "./ServerMetrics.ts"
export * as ServerSettings from "./ServerSettings.ts"
export * as Sse from "./Sse.ts"
export * as Telemetry from "./Telemetry.ts"
