import { describe, expect, it } from "@effect/vitest"
import type { Context } from "effect"
import { Deferred, Effect, Exit, Fiber, Layer, Metric, Option, Scope, TestClock } from "effect"
import { Redis } from "ioredis"
import * as Runner from "../../src/fallback/Runner.ts"
import * as FakeUpstream from "../../src/providers/FakeUpstream.ts"
import * as OpenAICompatibleProvider from "../../src/providers/OpenAICompatibleProvider.ts"
import { minuteOf } from "../../src/state/UsageCounters.ts"
import { deploymentAt, request } from "../providers/fixtures.ts"
import { attempt, plan } from "../fallback/plans.ts"
import type { RouterState } from "../../src/state/index.ts"
import * as State from "../../src/state/index.ts"
import type { RedisClientShape } from "../../src/state/RedisClient.ts"
import * as RedisClient from "../../src/state/RedisClient.ts"
import { redisFallbacks } from "../../src/state/RedisClient.ts"
import * as RedisInFlight from "../../src/state/RedisInFlight.ts"
import { SessionAffinity } from "../../src/state/SessionAffinity.ts"
import { layerRedis } from "../../src/state/RedisState.ts"
import { privateRedis, sharedRedisUrl, uniquePrefix } from "./redisServer.ts"

/** Builds an independent router state (own connection, own local cache) in the current scope. */
const instance = (url: string, keyPrefix: string) => Layer.build(layerRedis({ url, keyPrefix }))
const use = <A, E, R extends RouterState | SessionAffinity>(
  context: Context.Context<RouterState | SessionAffinity>,
  effect: Effect.Effect<A, E, R>
) => Effect.provide(effect, context)

const cooldowns = Effect.map(State.Cooldowns.Cooldowns, (c) => c)

describe("Redis state shared between router instances", () => {
  it.scoped("a circuit opened by one instance is open for the other; one probe across both", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix("cooldowns")
      const a = yield* instance(sharedRedisUrl, prefix)
      const b = yield* instance(sharedRedisUrl, prefix)
      const policy = State.Cooldowns.defaultCooldownPolicy
      for (let i = 0; i < policy.failuresToOpen; i++) {
        yield* use(
          a,
          Effect.flatMap(cooldowns, (c) => c.recordFailure("gpt@x", "Unavailable"))
        )
      }
      expect(
        (yield* use(
          b,
          Effect.flatMap(cooldowns, (c) => c.state("gpt@x"))
        ))._tag
      ).toBe("Open")
      expect(
        yield* use(
          b,
          Effect.flatMap(cooldowns, (c) => c.acquire("gpt@x"))
        )
      ).toBe(false)
      yield* TestClock.adjust(policy.cooldownMs)
      const probes = [
        yield* use(
          a,
          Effect.flatMap(cooldowns, (c) => c.acquire("gpt@x"))
        ),
        yield* use(
          b,
          Effect.flatMap(cooldowns, (c) => c.acquire("gpt@x"))
        )
      ]
      expect(probes).toEqual([true, false])
      yield* use(
        a,
        Effect.flatMap(cooldowns, (c) => c.recordSuccess("gpt@x"))
      )
      expect(
        (yield* use(
          b,
          Effect.flatMap(cooldowns, (c) => c.state("gpt@x"))
        ))._tag
      ).toBe("Closed")
      // Separate prefixes are separate worlds.
      const other = yield* instance(sharedRedisUrl, uniquePrefix("other"))
      yield* use(
        a,
        Effect.flatMap(cooldowns, (c) => c.recordFailure("gpt@x", "AuthFailed"))
      )
      expect(
        (yield* use(
          other,
          Effect.flatMap(cooldowns, (c) => c.state("gpt@x"))
        ))._tag
      ).toBe("Closed")
      expect(
        (yield* use(
          b,
          Effect.flatMap(cooldowns, (c) => c.state("gpt@x"))
        ))._tag
      ).toBe("Open")
    })
  )

  it.scoped("usage, latency, spend and in-flight counts are shared", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix("usage")
      const a = yield* instance(sharedRedisUrl, prefix)
      const b = yield* instance(sharedRedisUrl, prefix)
      yield* use(
        a,
        Effect.gen(function* () {
          yield* (yield* State.UsageCounters.UsageCounters).record("d", 100)
          yield* (yield* State.UsageCounters.UsageCounters).record("d", 50)
          yield* (yield* State.LatencyStats.LatencyStats).record("d", {
            latencyMs: 300,
            outputTokens: 10,
            timeToFirstTokenMs: 40
          })
          yield* (yield* State.SpendTracker.SpendTracker).record(["deployment:d"], 0.25)
        })
      )
      const seen = yield* use(
        b,
        Effect.gen(function* () {
          return {
            usage: yield* (yield* State.UsageCounters.UsageCounters).current("d"),
            latency: yield* (yield* State.LatencyStats.LatencyStats).get("d"),
            spent: yield* (yield* State.SpendTracker.SpendTracker).spent("deployment:d", 60_000)
          }
        })
      )
      expect(seen.usage).toEqual({ requests: 2, tokens: 150 })
      expect(Option.map(seen.latency, (l) => [l.samples, l.meanLatencyMs, l.meanTimeToFirstTokenMs])).toEqual(
        Option.some([1, 300, 40])
      )
      expect(seen.spent).toBe(0.25)
      const release = yield* Deferred.make<void>()
      const tracked = yield* Effect.fork(
        use(
          a,
          Effect.flatMap(State.InFlight.InFlight, (f) => f.track("d", Deferred.await(release)))
        )
      )
      while (
        (yield* use(
          b,
          Effect.flatMap(State.InFlight.InFlight, (f) => f.count("d"))
        )) === 0
      )
        yield* Effect.yieldNow()
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(tracked)
      expect(
        yield* use(
          b,
          Effect.flatMap(State.InFlight.InFlight, (f) => f.count("d"))
        )
      ).toBe(0)
    })
  )
})

describe("session affinity shared through Redis", () => {
  it.scoped("a session bound by one router is found by the other, and forgotten for both", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix("sessions")
      const a = yield* instance(sharedRedisUrl, prefix)
      const b = yield* instance(sharedRedisUrl, prefix)
      yield* use(
        a,
        Effect.flatMap(SessionAffinity, (s) => s.bind("chat-1", "main", "gpt@x"))
      )
      const found = yield* use(
        b,
        Effect.flatMap(SessionAffinity, (s) => s.lookup("chat-1", "main"))
      )
      expect(Option.map(found, (binding) => binding.deployment)).toEqual(Option.some("gpt@x"))
      expect(
        Option.isNone(
          yield* use(
            b,
            Effect.flatMap(SessionAffinity, (s) => s.lookup("chat-1", "other"))
          )
        )
      ).toBe(true)
      yield* use(
        b,
        Effect.flatMap(SessionAffinity, (s) => s.forget("chat-1"))
      )
      expect(
        Option.isNone(
          yield* use(
            a,
            Effect.flatMap(SessionAffinity, (s) => s.lookup("chat-1", "main"))
          )
        )
      ).toBe(true)
    })
  )
})

describe("two routers sharing Redis at run time", () => {
  it.scopedLive("a deployment failed through one router is skipped by the other", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix("routers")
      const a = yield* instance(sharedRedisUrl, prefix)
      const b = yield* instance(sharedRedisUrl, prefix)
      const upstream = yield* FakeUpstream.make({
        script: { models: { boom: { failures: [{ kind: "server_error", probability: 1 }] } } }
      })
      const node = plan({
        _tag: "Sequence",
        path: "fallback",
        steps: [attempt(deploymentAt(upstream, "boom")), attempt(deploymentAt(upstream, "ok"))]
      })
      const run = (context: Context.Context<RouterState | SessionAffinity>) =>
        use(context, Runner.run(node, request()).pipe(Effect.provide(OpenAICompatibleProvider.layer)))
      for (let i = 0; i < State.Cooldowns.defaultCooldownPolicy.failuresToOpen; i++) yield* run(a)
      expect(upstream.requests("boom")).toBe(3)
      const fromB = yield* run(b)
      expect(upstream.requests("boom")).toBe(3)
      expect(fromB.trace.attempts[0]?.outcome).toBe("skipped")
    })
  )
})

describe("Redis outages", () => {
  it.scopedLive(
    "with Redis stopped, state keeps working locally and counts fallbacks; it resumes when Redis is back",
    () =>
      Effect.gen(function* () {
        const redis = yield* privateRedis
        const prefix = uniquePrefix("outage")
        const state = yield* instance(redis.url, prefix)
        const upstream = yield* FakeUpstream.make({ script: { models: { ok: {} } } })
        const before = (yield* Metric.value(redisFallbacks)).count
        yield* use(
          state,
          Effect.flatMap(State.UsageCounters.UsageCounters, (u) => u.record("d", 10))
        )
        yield* redis.stop
        const duringOutage = yield* use(
          state,
          Effect.gen(function* () {
            const usage = yield* State.UsageCounters.UsageCounters
            yield* usage.record("d", 5)
            const c = yield* State.Cooldowns.Cooldowns
            for (let i = 0; i < 3; i++) yield* c.recordFailure("d", "Timeout")
            return { usage: yield* usage.current("d"), circuit: (yield* c.state("d"))._tag }
          })
        )
        // Local state saw every write, including the one made while Redis was up.
        expect(duringOutage).toEqual({ usage: { requests: 2, tokens: 15 }, circuit: "Open" })
        expect((yield* Metric.value(redisFallbacks)).count).toBeGreaterThan(before)
        // A request routed while Redis is down is served.
        const served = yield* use(
          state,
          Runner.run(plan(attempt(deploymentAt(upstream, "ok"))), request()).pipe(
            Effect.provide(OpenAICompatibleProvider.layer)
          )
        )
        expect(served.trace.answeredBy).toBe("ok@fake")
        yield* redis.start
        const direct = yield* Effect.acquireRelease(
          Effect.sync(() => new Redis(redis.url)),
          (client) => Effect.sync(() => client.disconnect())
        )
        // Reconnection happens in the background (retry back-off is at most 1 s): writes reach Redis again.
        let stored: string | null = null
        for (let i = 0; i < 100 && stored === null; i++) {
          yield* use(
            state,
            Effect.flatMap(State.UsageCounters.UsageCounters, (u) => u.record("after", 1))
          )
          stored = yield* Effect.promise(() =>
            direct.hget(`${prefix}usage:after:${minuteOf(Date.now())}`, "requests")
          )
          if (stored === null) yield* Effect.sleep("50 millis")
        }
        expect(Number(stored)).toBeGreaterThanOrEqual(1)
      })
  )
})

describe("in-flight counts shared through Redis", () => {
  /** A client whose commands can be made to fail, as if Redis were unreachable from this instance. */
  const switchable = (client: RedisClientShape) => {
    let reachable = true
    const shape: RedisClientShape = {
      ...client,
      attempt: (operation, command, fallback) =>
        Effect.suspend(() => (reachable ? client.attempt(operation, command, fallback) : fallback))
    }
    return { shape, setReachable: (value: boolean) => (reachable = value) }
  }

  it.scoped(
    "a decrement lost while Redis was unreachable is repaired by the next command, not by a TTL",
    () =>
      Effect.gen(function* () {
        const prefix = uniquePrefix("inflight")
        const a = switchable(yield* RedisClient.make({ url: sharedRedisUrl, keyPrefix: prefix }))
        const b = switchable(yield* RedisClient.make({ url: sharedRedisUrl, keyPrefix: prefix }))
        const inFlightA = RedisInFlight.make(a.shape, "a")
        const inFlightB = RedisInFlight.make(b.shape, "b")
        const release = yield* Deferred.make<void>()
        const tracked = yield* Effect.fork(inFlightA.track("d", Deferred.await(release)))
        while ((yield* inFlightB.count("d")) === 0) yield* Effect.yieldNow()
        expect(yield* inFlightB.count("d")).toBe(1)
        // The request ends while `a` cannot reach Redis: its decrement is lost for now.
        a.setReachable(false)
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(tracked)
        expect(yield* inFlightA.count("d")).toBe(0)
        expect(yield* inFlightB.count("d")).toBe(1)
        // `a`'s next command that reaches Redis publishes the count it missed.
        a.setReachable(true)
        yield* inFlightA.count("other")
        expect(yield* inFlightB.count("d")).toBe(0)
      })
  )

  it.scoped("counts add up across instances; a dead instance's count fades out after the safety TTL", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix("inflight-ttl")
      const a = RedisInFlight.make(yield* RedisClient.make({ url: sharedRedisUrl, keyPrefix: prefix }), "a")
      const b = RedisInFlight.make(yield* RedisClient.make({ url: sharedRedisUrl, keyPrefix: prefix }), "b")
      const release = yield* Deferred.make<void>()
      const fibers = [
        yield* Effect.fork(a.track("d", Deferred.await(release))),
        yield* Effect.fork(a.track("d", Deferred.await(release))),
        yield* Effect.fork(b.track("d", Deferred.await(release)))
      ]
      while ((yield* a.count("d")) < 3) yield* Effect.yieldNow()
      expect(yield* b.count("d")).toBe(3)
      // `b` never ends its request (its process died): `a` stops counting it after the TTL.
      yield* TestClock.adjust(RedisInFlight.safetyTtlMs + 1)
      expect(yield* a.count("d")).toBe(2)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(fibers[0]!)
      yield* Fiber.join(fibers[1]!)
      expect(yield* a.count("d")).toBe(0)
    })
  )

  it.scoped("a stream's count (enter) lasts as long as its scope, for every instance", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix("inflight-enter")
      const a = RedisInFlight.make(yield* RedisClient.make({ url: sharedRedisUrl, keyPrefix: prefix }), "a")
      const b = RedisInFlight.make(yield* RedisClient.make({ url: sharedRedisUrl, keyPrefix: prefix }), "b")
      const stream = yield* Scope.make()
      yield* Scope.extend(a.enter("d"), stream)
      expect(yield* b.count("d")).toBe(1)
      yield* Scope.close(stream, Exit.void)
      expect(yield* b.count("d")).toBe(0)
    })
  )

  it("ignores malformed fields", () => {
    expect(RedisInFlight.parseField("2:1700000000000")).toEqual({ count: 2, atMs: 1700000000000 })
    expect(RedisInFlight.parseField("x:1")).toBeUndefined()
    expect(RedisInFlight.parseField("-1:1")).toBeUndefined()
    expect(RedisInFlight.parseField("3")).toBeUndefined()
  })
})
