/**
 * A deployment: one model at one provider endpoint, with what it costs and what it can hold.
 *
 * Deployments are the leaves of every route. They are plain data (decodable from a config file);
 * the API key is referenced by the name of an environment variable and only read, as a `Redacted`,
 * by the provider that calls it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * What a deployment supports. Absent fields mean "assume yes" so that a minimal config works; set
 * them to `false` to have the capability filter drop the deployment for requests that need them.
 *
 * @since 0.1.0
 */
export const Capabilities = Schema.Struct({
  tools: Schema.optionalWith(Schema.Boolean, { exact: true }),
  vision: Schema.optionalWith(Schema.Boolean, { exact: true }),
  jsonMode: Schema.optionalWith(Schema.Boolean, { exact: true }),
  jsonSchema: Schema.optionalWith(Schema.Boolean, { exact: true }),
  streaming: Schema.optionalWith(Schema.Boolean, { exact: true })
})
/** @since 0.1.0 */
export type Capabilities = typeof Capabilities.Type

const PositiveInt = Schema.Int.pipe(Schema.positive())
const NonNegative = Schema.Number.pipe(Schema.finite(), Schema.nonNegative())

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

const HttpUrl = Schema.String.pipe(
  Schema.filter(isHttpUrl, {
    message: (issue) =>
      `Expected an http(s) URL such as https://api.openai.com/v1, actual ${JSON.stringify(issue.actual)}`
  })
)

/**
 * A model at a provider endpoint.
 *
 * @example
 * import { Deployment } from "effect-llm-router"
 *
 * const gpt4o = Deployment.make({
 *   id: "gpt-4o@openai",
 *   provider: "openai-compatible",
 *   model: "gpt-4o",
 *   baseUrl: "https://api.openai.com/v1",
 *   apiKeyEnv: "OPENAI_API_KEY",
 *   contextWindow: 128_000
 * })
 *
 * @since 0.1.0
 */
export class Deployment extends Schema.Class<Deployment>("Deployment")({
  /** Unique id, conventionally `model@provider`. */
  id: Schema.NonEmptyTrimmedString,
  /**
   * Who serves it (`openai`, `azure`, `together`, `openai-compatible`, ...): a label for per-provider
   * budgets, metrics and traces. Every provider is called over the OpenAI chat-completions wire
   * format (`baseUrl`; OpenAI's own API when absent).
   */
  provider: Schema.NonEmptyTrimmedString.pipe(Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)),
  /** The model name the provider expects. */
  model: Schema.NonEmptyTrimmedString,
  /** Base URL of the OpenAI-compatible API, e.g. `https://api.openai.com/v1`. */
  baseUrl: Schema.optionalWith(HttpUrl, { exact: true }),
  /** Name of the environment variable holding the API key; keys are never inlined. */
  apiKeyEnv: Schema.optionalWith(Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/)), {
    exact: true
  }),
  /** Extra HTTP headers sent with every call (no secrets: use `apiKeyEnv`). */
  headers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { exact: true }),
  /** USD per input token; when absent, looked up by model name in the price table. */
  inputCostPerToken: Schema.optionalWith(NonNegative, { exact: true }),
  /** USD per output token; when absent, looked up by model name in the price table. */
  outputCostPerToken: Schema.optionalWith(NonNegative, { exact: true }),
  /** Total tokens (prompt + output) the model can hold. */
  contextWindow: Schema.optionalWith(PositiveInt, { exact: true }),
  /** Most output tokens it will generate. */
  maxOutputTokens: Schema.optionalWith(PositiveInt, { exact: true }),
  /** Requests per minute allowed. */
  rpm: Schema.optionalWith(PositiveInt, { exact: true }),
  /** Tokens per minute allowed. */
  tpm: Schema.optionalWith(PositiveInt, { exact: true }),
  /** Most requests in flight at once. */
  maxParallel: Schema.optionalWith(PositiveInt, { exact: true }),
  /** Relative weight for weighted load balancing (default 1). */
  weight: Schema.optionalWith(NonNegative, { exact: true }),
  tags: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  region: Schema.optionalWith(Schema.String, { exact: true }),
  /** Per-attempt timeout in milliseconds. */
  timeoutMs: Schema.optionalWith(PositiveInt, { exact: true }),
  capabilities: Schema.optionalWith(Capabilities, { exact: true })
}) {}

/**
 * Whether a deployment supports a capability (absent means yes).
 *
 * @since 0.1.0
 */
export const supports = (deployment: Deployment, capability: keyof Capabilities): boolean =>
  deployment.capabilities?.[capability] !== false
