/**
 * Providers: calling deployments over the OpenAI wire format, classifying failures, and a scripted
 * fake upstream for tests, examples and benchmarks.
 * @since 0.1.0
 */

/** The `Provider` service contract. @since 0.1.0 */
export * as Provider from "./Provider.ts"
/** The provider for OpenAI-compatible endpoints over the `openai` SDK. @since 0.1.0 */
export * as OpenAICompatibleProvider from "./OpenAICompatibleProvider.ts"
/** The scripted fake upstream (a real HTTP server). @since 0.1.0 */
export * as FakeUpstream from "./FakeUpstream.ts"
/** The fake upstream's behaviour scripts. @since 0.1.0 */
export * as FakeUpstreamScript from "./FakeUpstreamScript.ts"
/** Deadlines that take an answer that arrived in the same turn. @since 0.1.0 */
export * as Deadline from "./Deadline.ts"
/** Failure classification. @since 0.1.0 */
export { classifyError, maskSecrets, retryAfterMs } from "./classifyError.ts"
/** One idle-deadline watchdog per stream. @since 0.1.0 */
export * as IdleDeadline from "./IdleDeadline.ts"
