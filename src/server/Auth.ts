/**
 * Bearer-key authentication. Keys come from `server.apiKeyEnvs` as `Redacted` values; a request's
 * key is compared by its SHA-256 digest in constant time, so neither timing nor an error message
 * tells a caller anything about the configured keys.
 *
 * @since 0.1.0
 */
import { HttpServerRequest } from "@effect/platform"
import { Effect, Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import { Unauthorized } from "./HttpErrors.ts"

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

/**
 * A key checker over configured keys: succeeds when no keys are configured, or when the request
 * carries `Authorization: Bearer <one of the keys>`.
 *
 * @example
 * import { Redacted } from "effect"
 * import { Auth } from "effect-llm-router/server"
 *
 * const check = Auth.make([Redacted.make("sk-local-1")])
 * // in a handler: yield* check
 *
 * @since 0.1.0
 */
export const make = (
  keys: ReadonlyArray<Redacted.Redacted<string>>
): Effect.Effect<void, Unauthorized, HttpServerRequest.HttpServerRequest> => {
  if (keys.length === 0) return Effect.void
  const digests = keys.map((key) => digest(Redacted.value(key)))
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const header = request.headers["authorization"]
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null) {
      return Effect.fail(
        new Unauthorized({
          message:
            header === undefined
              ? "Missing API key: send 'Authorization: Bearer <key>' with one of the keys the router was configured with."
              : "Malformed Authorization header: expected 'Bearer <key>'."
        })
      )
    }
    const candidate = digest(match[1]!)
    // Compare against every key so the time taken does not depend on which one matched.
    const matched = digests.reduce((found, key) => timingSafeEqual(key, candidate) || found, false)
    return matched ? Effect.void : Effect.fail(new Unauthorized({ message: "Invalid API key." }))
  })
}
