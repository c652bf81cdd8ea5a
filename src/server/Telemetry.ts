/**
 * Where the server's spans go. Off by default: spans (`Server.chatCompletions`, `Router.plan`,
 * `Runner.run`, `Runner.attempt`, `OpenAICompatibleProvider.complete`, ...) are still created,
 * so logs carry trace ids, but nothing is exported until one of these is chosen:
 *
 * - `OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318`: OTLP/HTTP (JSON) to `<endpoint>/v1/traces`,
 *   with `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, read as a secret) and `OTEL_SERVICE_NAME`;
 * - `console`: every finished span printed on stdout (for a quick look; `serve --trace-console`).
 *
 * Span attributes hold route names, deployment ids and failure kinds only; never prompts or keys.
 *
 * @since 0.1.0
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeSdk, OtlpSerialization, OtlpTracer } from "@effect/opentelemetry"
import { ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { ConfigError } from "../core/Errors.ts"

/**
 * Which exporter to use.
 * @since 0.1.0
 */
export type Exporter =
  | { readonly _tag: "None" }
  | { readonly _tag: "Console" }
  | {
      readonly _tag: "Otlp"
      readonly endpoint: string
      readonly headers: Redacted.Redacted<string> | undefined
    }

const parseHeaders = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(",")
      .map((pair) => pair.split("="))
      .filter(
        (parts): parts is [string, string, ...Array<string>] => parts.length >= 2 && parts[0]!.trim() !== ""
      )
      .map(([key, ...value]) => [key.trim(), decodeURIComponent(value.join("=").trim())])
  )

/**
 * An endpoint URL for logs and errors: user name, password and query string (which may carry a
 * token) replaced by `***`.
 * @since 0.1.0
 */
export const maskedEndpoint = (endpoint: string): string => {
  try {
    const url = new URL(endpoint)
    if (url.protocol === "http:" || url.protocol === "https:") {
      const credentials = url.username === "" && url.password === "" ? "" : "***@"
      const path = url.pathname === "/" ? "" : url.pathname
      return `${url.protocol}//${credentials}${url.host}${path}${url.search === "" ? "" : "?***"}`
    }
  } catch {
    // Not a URL: masked below.
  }
  // Anything else (`user:pw@host` without a scheme parses with "user:" as its scheme): hide what
  // comes before an "@" and any query string.
  return endpoint.replace(/^([^@/?]*\/\/)?[^@]*@/, "$1***@").replace(/\?.*$/, "?***")
}

/**
 * Checks the OTLP settings of the environment before the server starts: the endpoint, when set,
 * must be an http(s) URL, and the headers `key=value` pairs separated by commas. Fails with a
 * `ConfigError` naming the variable; header values and credentials are never echoed.
 * @since 0.1.0
 */
export const checkEnv: Effect.Effect<void, ConfigError> = Effect.gen(function* () {
  const invalid = (variable: string, message: string) =>
    new ConfigError({ path: variable, message: `${variable}: ${message}` })
  const endpoint = yield* Config.option(Config.string("OTEL_EXPORTER_OTLP_ENDPOINT")).pipe(
    Effect.orElseSucceed(() => Option.none<string>())
  )
  if (Option.isSome(endpoint) && endpoint.value.trim() !== "") {
    let protocol = ""
    try {
      protocol = new URL(endpoint.value.trim()).protocol
    } catch {
      protocol = ""
    }
    if (protocol !== "http:" && protocol !== "https:")
      return yield* invalid(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        `expected an http:// or https:// URL such as http://collector:4318, got "${maskedEndpoint(endpoint.value.trim())}"`
      )
  }
  const headers = yield* Config.option(Config.redacted("OTEL_EXPORTER_OTLP_HEADERS")).pipe(
    Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
  )
  if (Option.isSome(headers) && Redacted.value(headers.value).trim() !== "") {
    const pairs = Redacted.value(headers.value).split(",")
    const bad = pairs.findIndex((pair) => {
      const equals = pair.indexOf("=")
      return equals <= 0 || pair.slice(0, equals).trim() === ""
    })
    if (bad >= 0)
      return yield* invalid(
        "OTEL_EXPORTER_OTLP_HEADERS",
        `pair ${bad + 1} of ${pairs.length} is not key=value (expected k1=v1,k2=v2; values not shown)`
      )
    const undecodable = pairs.findIndex((pair) => {
      try {
        decodeURIComponent(pair.slice(pair.indexOf("=") + 1))
        return false
      } catch {
        return true
      }
    })
    if (undecodable >= 0)
      return yield* invalid(
        "OTEL_EXPORTER_OTLP_HEADERS",
        `the value of pair ${undecodable + 1} is not valid percent-encoding (values not shown)`
      )
  }
})

/**
 * Reads the exporter from the environment (`console` wins when asked for explicitly).
 * @since 0.1.0
 */
export const exporterFromEnv = (options: { readonly console: boolean }): Effect.Effect<Exporter> =>
  Effect.gen(function* () {
    if (options.console) return { _tag: "Console" } as const
    const endpoint = yield* Config.option(Config.string("OTEL_EXPORTER_OTLP_ENDPOINT"))
    if (Option.isNone(endpoint) || endpoint.value.trim() === "") return { _tag: "None" } as const
    const headers = yield* Config.option(Config.redacted("OTEL_EXPORTER_OTLP_HEADERS"))
    return {
      _tag: "Otlp",
      endpoint: endpoint.value.replace(/\/+$/, ""),
      headers: Option.getOrUndefined(headers)
    } as const
  }).pipe(Effect.orElseSucceed((): Exporter => ({ _tag: "None" })))

/**
 * The tracing layer for an exporter.
 *
 * @example
 * import { Layer } from "effect"
 * import { Telemetry } from "effect-llm-router/server"
 *
 * const TracingLive = Telemetry.layer({ console: false }) // OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set
 *
 * @since 0.1.0
 */
export const layer = (options: {
  readonly console: boolean
  readonly serviceName?: string
}): Layer.Layer<never> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const exporter = yield* exporterFromEnv(options)
      const serviceName =
        options.serviceName ??
        (yield* Config.string("OTEL_SERVICE_NAME").pipe(Config.withDefault("llm-router")))
      switch (exporter._tag) {
        case "None":
          return Layer.empty
        case "Console":
          return NodeSdk.layer(() => ({
            resource: { serviceName },
            spanProcessor: new SimpleSpanProcessor(new ConsoleSpanExporter())
          })).pipe(Layer.discard)
        case "Otlp":
          yield* Effect.logInfo("exporting traces over OTLP").pipe(
            Effect.annotateLogs({ endpoint: maskedEndpoint(exporter.endpoint) })
          )
          return OtlpTracer.layer({
            url: `${exporter.endpoint}/v1/traces`,
            resource: { serviceName },
            ...(exporter.headers === undefined
              ? {}
              : { headers: parseHeaders(Redacted.value(exporter.headers)) })
          }).pipe(Layer.provide([FetchHttpClient.layer, OtlpSerialization.layerJson]))
      }
    }).pipe(Effect.orDie)
  )
