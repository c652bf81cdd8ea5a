/**
 * `llm-router serve`: the OpenAI-compatible router server. The command only composes layers:
 * config → `RouterServer.layer`, with the OpenAI-compatible provider, routing state in memory or
 * in Redis, logs, and (optionally) trace export. Ctrl-C or SIGTERM drains in-flight requests
 * before exiting.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Config, Effect, Layer, Logger, Option, Redacted } from "effect"
import { ConfigError } from "../../core/Errors.ts"
import { loadConfig } from "../../graph/loadConfig.ts"
import * as OpenAICompatibleProvider from "../../providers/OpenAICompatibleProvider.ts"
import * as RouterServer from "../../server/RouterServer.ts"
import * as ServerSettings from "../../server/ServerSettings.ts"
import * as Telemetry from "../../server/Telemetry.ts"
import * as State from "../../state/index.ts"
import * as RedisState from "../../state/RedisState.ts"
import { integer } from "../options.ts"

const config = Options.file("config", { exists: "yes" }).pipe(
  Options.withAlias("c"),
  Options.withDescription("Router config file (YAML or JSON)")
)
const port = integer("port", { min: 0, max: 65535 }).pipe(
  Options.withAlias("p"),
  Options.withDefault(6060),
  Options.withDescription("Port to listen on (0 picks a free one)")
)
const host = Options.text("host").pipe(
  Options.withDefault("127.0.0.1"),
  Options.withDescription("Address to listen on (0.0.0.0 for every interface)")
)
const redis = Options.redacted("redis").pipe(
  Options.withFallbackConfig(Config.redacted("LLM_ROUTER_REDIS_URL")),
  Options.optional,
  Options.withDescription(
    "Redis URL for routing state shared between router processes (default: in memory); also LLM_ROUTER_REDIS_URL"
  )
)
const redisPrefix = Options.text("redis-prefix").pipe(
  Options.withDefault("llm-router:"),
  Options.withDescription(
    "Prefix of every Redis key, so several routers (or environments) can share one Redis"
  )
)
const traceConsole = Options.boolean("trace-console").pipe(
  Options.withDescription(
    "Print every finished span on stdout (OTLP export: set OTEL_EXPORTER_OTLP_ENDPOINT)"
  )
)
const logFormat = Options.choice("log-format", ["logfmt", "json", "pretty"]).pipe(
  Options.withDefault("logfmt" as const),
  Options.withDescription("Log line format")
)

/** One logger: `NodeRuntime.runMain` adds a pretty logger beside the default one; keep only the chosen format. */
const loggerFor = (format: "logfmt" | "json" | "pretty") =>
  format === "pretty"
    ? Logger.remove(Logger.defaultLogger)
    : Layer.merge(Logger.remove(Logger.prettyLoggerDefault), format === "json" ? Logger.json : Logger.logFmt)

/**
 * One warning per deployment whose `apiKeyEnv` variable is unset or empty: the server still starts
 * (other deployments may serve), but every call to such a deployment will fail with `AuthFailed`.
 * Only variable names are logged, never values.
 */
const warnMissingKeys = (deployments: Iterable<{ readonly id: string; readonly apiKeyEnv?: string }>) =>
  Effect.forEach(
    [...deployments].filter((d) => d.apiKeyEnv !== undefined),
    (deployment) =>
      Config.string(deployment.apiKeyEnv!).pipe(
        Config.withDefault(""),
        Effect.orElseSucceed(() => ""),
        Effect.flatMap((value) =>
          value.trim() === ""
            ? Effect.logWarning(
                `deployment ${deployment.id}: the environment variable ${deployment.apiKeyEnv} is not set (or empty); its calls will fail with AuthFailed until it is`
              )
            : Effect.void
        )
      ),
    { discard: true }
  )

/**
 * `--redis` must be a `redis://` or `rediss://` URL, host:port, a port or a Unix socket path:
 * anything else would start the server on local state with only a warning. The value is never
 * echoed (it may carry a password).
 */
const checkRedisUrl = (url: string) => {
  let protocol = ""
  try {
    protocol = new URL(url).protocol
  } catch {
    protocol = ""
  }
  // What ioredis takes besides URLs: a Unix socket path, a port, or host:port.
  const accepted =
    protocol === "redis:" ||
    protocol === "rediss:" ||
    url.startsWith("/") ||
    /^\d{1,5}$/.test(url) ||
    /^[A-Za-z0-9.-]+:\d{1,5}$/.test(url)
  if (accepted) return Effect.void
  return Effect.fail(
    new ConfigError({
      path: "--redis",
      message:
        "--redis: expected a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), host:port, a port or a Unix socket path; the value given is not shown, as it may hold a password"
    })
  )
}

/**
 * The `serve` command.
 *
 * @example
 * // llm-router serve --config examples/fake-upstream.config.yaml --port 6060
 *
 * @since 0.1.0
 */
export const serveCommand = Command.make(
  "serve",
  { config, port, host, redis, redisPrefix, traceConsole, logFormat },
  (options) =>
    Effect.gen(function* () {
      const loaded = yield* loadConfig(options.config)
      // The `server` section is checked here too, so that its errors name the file like the rest.
      yield* ServerSettings.fromSection(loaded.server).pipe(
        Effect.mapError(
          (error) => new ConfigError({ ...error, message: `${options.config}: ${error.message}` })
        )
      )
      yield* warnMissingKeys(loaded.deployments.values())
      yield* Telemetry.checkEnv
      if (Option.isSome(options.redis)) yield* checkRedisUrl(Redacted.value(options.redis.value))
      const state = Option.match(options.redis, {
        onNone: () => State.layerMemory,
        onSome: (url) => RedisState.layerRedis({ url: Redacted.value(url), keyPrefix: options.redisPrefix })
      })
      yield* Effect.logInfo("starting the router").pipe(
        Effect.annotateLogs({
          config: options.config,
          routes: Object.keys(loaded.routes).join(","),
          state: Option.isSome(options.redis) ? "redis" : "memory"
        })
      )
      return yield* RouterServer.layer(loaded, { port: options.port, host: options.host }).pipe(
        Layer.provide([OpenAICompatibleProvider.layer, state]),
        Layer.provide(Telemetry.layer({ console: options.traceConsole })),
        Layer.launch
      )
    }).pipe(Effect.provide(loggerFor(options.logFormat)))
).pipe(
  Command.withDescription(
    "Serve the OpenAI-compatible router API (POST /v1/chat/completions, /v1/route; GET /v1/models, /health, /metrics)"
  )
)
