/**
 * Providers: calling deployments over the OpenAI wire format, classifying failures, and a scripted
 * fake upstream for tests, examples and benchmarks.
 * @since 0.1.0
 */
export * as Provider from "./Provider.ts"
export * as OpenAICompatibleProvider from "./OpenAICompatibleProvider.ts"
export * as FakeUpstream from "./FakeUpstream.ts"
export * as FakeUpstreamScript from "./FakeUpstreamScript.ts"
export { classifyError, retryAfterMs, maskSecrets } from "./classifyError.ts"
