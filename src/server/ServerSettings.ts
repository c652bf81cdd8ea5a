/**
 * The `server` section of a router config, as Schema, and the settings the server runs with.
 *
 * ```yaml
 * server:
 *   apiKeyEnvs: [LLM_ROUTER_API_KEY]   # env vars holding the accepted bearer keys
 *   maxBodyBytes: 1048576              # larger bodies get 413
 *   drainTimeoutMs: 30000              # how long shutdown waits for in-flight requests
 *   requestTimeoutMs: 120000           # deadline of one run (streams: until the first chunk)
 *   maxAttempts: 8                     # most deployment calls per request
 * ```
 *
 * Keys are never written in the file: the section names environment variables, read with
 * `Config.redacted` when the server starts, so a key only ever exists as a `Redacted` value.
 *
 * @since 0.1.0
 */
import { Config, Context, Effect, Either, Redacted, Schema } from "effect"
import { ConfigError } from "../core/Errors.ts"
import { decodeAt } from "../graph/ConfigDecode.ts"

const EnvName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    message: () => "expected the name of an environment variable (letters, digits, underscores)"
  })
)
const PositiveInt = Schema.Int.pipe(Schema.positive())

/**
 * The `server` section as written in a config file.
 * @since 0.1.0
 */
export const ServerSection = Schema.Struct({
  apiKeyEnvs: Schema.optionalWith(Schema.Array(EnvName), { exact: true }),
  maxBodyBytes: Schema.optionalWith(PositiveInt, { exact: true }),
  drainTimeoutMs: Schema.optionalWith(PositiveInt, { exact: true }),
  requestTimeoutMs: Schema.optionalWith(PositiveInt, { exact: true }),
  maxAttempts: Schema.optionalWith(PositiveInt, { exact: true })
})
/** @since 0.1.0 */
export type ServerSection = typeof ServerSection.Type

/**
 * What the server runs with: the section with defaults applied and the keys read.
 * @since 0.1.0
 */
export interface ServerSettings {
  /** Accepted bearer keys; empty means no authentication. */
  readonly apiKeys: ReadonlyArray<Redacted.Redacted<string>>
  readonly maxBodyBytes: number
  readonly drainTimeoutMs: number
  readonly requestTimeoutMs?: number
  readonly maxAttempts?: number
}

/** @since 0.1.0 */
export const defaults = { maxBodyBytes: 1024 * 1024, drainTimeoutMs: 30_000 } as const

/**
 * Checks the shape of a config's `server` section only (no environment read): what `route` checks
 * so that a config it plans with is one `serve` accepts.
 *
 * @since 0.1.0
 */
export const decodeSection = (section: unknown): Either.Either<ServerSection, ConfigError> =>
  decodeAt(ServerSection, section ?? {}, "server")

/**
 * Validates a config's `server` section and reads the keys it names from the environment. A
 * named variable that is unset or empty is a `ConfigError`: a server that was told to require keys
 * must not silently start open.
 *
 * @example
 * import { Effect } from "effect"
 * import { ServerSettings } from "effect-llm-router/server"
 *
 * const settings = Effect.runSync(ServerSettings.fromSection({ maxBodyBytes: 65536 }))
 *
 * @since 0.1.0
 */
export const fromSection = (section: unknown): Effect.Effect<ServerSettings, ConfigError> =>
  Effect.gen(function* () {
    const decoded = decodeSection(section)
    if (Either.isLeft(decoded)) return yield* decoded.left
    const value = decoded.right
    const apiKeys = yield* Effect.forEach(value.apiKeyEnvs ?? [], (name, index) =>
      Config.redacted(name).pipe(
        Effect.filterOrFail(
          (key) => Redacted.value(key).trim() !== "",
          () => undefined
        ),
        Effect.mapError(
          () =>
            new ConfigError({
              path: `server.apiKeyEnvs[${index}]`,
              message: `server.apiKeyEnvs[${index}]: the environment variable ${name} is not set (or empty); export it with the key clients must send, or remove it from the config`
            })
        )
      )
    )
    return {
      apiKeys,
      maxBodyBytes: value.maxBodyBytes ?? defaults.maxBodyBytes,
      drainTimeoutMs: value.drainTimeoutMs ?? defaults.drainTimeoutMs,
      ...(value.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: value.requestTimeoutMs }),
      ...(value.maxAttempts === undefined ? {} : { maxAttempts: value.maxAttempts })
    }
  })

/**
 * The settings of the running server, as a service.
 * @since 0.1.0
 */
export class Settings extends Context.Tag("effect-llm-router/server/Settings")<Settings, ServerSettings>() {}
