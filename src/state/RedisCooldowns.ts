/**
 * Circuit breakers shared through Redis: every router process sees the others' failures, open
 * circuits and half-open probes (at most one probe across all processes). Updates are Lua scripts,
 * so that counting a failure and opening the circuit is one atomic step. Time comes from each
 * process's `Clock` (processes are assumed to have synchronised clocks, as for rate limiting).
 * Without Redis, the local in-memory breaker serves (it records every outcome too).
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect, Layer } from "effect"
import type { CircuitState, CooldownPolicy, CooldownsShape } from "./Cooldowns.ts"
import { Cooldowns, defaultCooldownPolicy, makeMemory } from "./Cooldowns.ts"
import type { RedisClientShape } from "./RedisClient.ts"
import { RedisClient } from "./RedisClient.ts"

const recordFailureScript = `
local failures, state, probe = KEYS[1], KEYS[2], KEYS[3]
local now, window, toOpen = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cooldown, severe, long, kind = tonumber(ARGV[4]), ARGV[5] == '1', tonumber(ARGV[6]), ARGV[7]
local openUntil = tonumber(redis.call('HGET', state, 'openUntil') or '0')
local wasProbing = redis.call('EXISTS', probe) == 1 or (openUntil > 0 and now >= openUntil)
redis.call('DEL', probe)
redis.call('ZREMRANGEBYSCORE', failures, '-inf', now - window)
redis.call('ZADD', failures, now, ARGV[8])
redis.call('PEXPIRE', failures, window)
local count = redis.call('ZCARD', failures)
local untilMs, reason = 0, ''
if severe then
  untilMs = now + long
  reason = kind .. ': cooling down for ' .. long .. ' ms'
elseif wasProbing then
  untilMs = now + cooldown
  reason = 'probe failed with ' .. kind .. ': cooling down for ' .. cooldown .. ' ms'
elseif count >= toOpen then
  untilMs = now + cooldown
  reason = count .. ' failures in ' .. window .. ' ms (last: ' .. kind .. '): cooling down for ' .. cooldown .. ' ms'
end
if untilMs > 0 then
  redis.call('HSET', state, 'openUntil', untilMs, 'reason', reason)
  redis.call('PEXPIRE', state, (untilMs - now) + cooldown + window)
end
return untilMs
`

const acquireScript = `
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
local now = tonumber(ARGV[1])
if openUntil == 0 then return 1 end
if now < openUntil then return 0 end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`

/**
 * Builds the shared breaker over a connected client.
 * @since 0.1.0
 */
export const make = (
  client: RedisClientShape,
  policy: CooldownPolicy = defaultCooldownPolicy
): CooldownsShape => {
  const local = makeMemory(policy)
  const keys = (deployment: string) =>
    [
      client.key("cooldown", deployment, "failures"),
      client.key("cooldown", deployment, "state"),
      client.key("cooldown", deployment, "probe")
    ] as const
  return {
    policy,
    state: (deployment) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const [, state] = keys(deployment)
        return client.attempt(
          "cooldowns.state",
          async (redis): Promise<CircuitState> => {
            const fields = await redis.hmget(state, "openUntil", "reason")
            const openUntil = Number(fields[0] ?? 0)
            if (openUntil === 0) return { _tag: "Closed" }
            return now < openUntil
              ? { _tag: "Open", untilMs: openUntil, reason: fields[1] ?? "" }
              : { _tag: "HalfOpen" }
          },
          local.state(deployment)
        )
      }),
    acquire: (deployment) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const [, state, probe] = keys(deployment)
        return client.attempt(
          "cooldowns.acquire",
          async (redis) => (await redis.eval(acquireScript, 2, state, probe, now, policy.cooldownMs)) === 1,
          local.acquire(deployment)
        )
      }),
    recordFailure: (deployment, kind) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (!policy.countedKinds.includes(kind)) return Effect.void
        const [failures, state, probe] = keys(deployment)
        const severe = policy.severeKinds.includes(kind) ? "1" : "0"
        return Effect.zipRight(
          local.recordFailure(deployment, kind),
          client.attempt(
            "cooldowns.recordFailure",
            async (redis) => {
              await redis.eval(
                recordFailureScript,
                3,
                failures,
                state,
                probe,
                now,
                policy.windowMs,
                policy.failuresToOpen,
                policy.cooldownMs,
                severe,
                policy.longCooldownMs,
                kind,
                `${now}:${randomUUID()}`
              )
            },
            Effect.void
          )
        )
      }),
    recordSuccess: (deployment) =>
      Effect.zipRight(
        local.recordSuccess(deployment),
        client.attempt(
          "cooldowns.recordSuccess",
          async (redis) => {
            await redis.del(...keys(deployment))
          },
          Effect.void
        )
      )
  }
}

/**
 * The `Cooldowns` service over Redis.
 * @since 0.1.0
 */
export const layer = (policy?: CooldownPolicy): Layer.Layer<Cooldowns, never, RedisClient> =>
  Layer.effect(
    Cooldowns,
    Effect.map(RedisClient, (client) => make(client, policy))
  )
