import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import * as SessionAffinity from "../../src/state/SessionAffinity.ts"

const deploymentOf = (binding: Option.Option<SessionAffinity.Binding>) =>
  Option.match(binding, { onNone: () => "none", onSome: (b) => b.deployment })

describe("SessionAffinity (in memory)", () => {
  it.effect("binds a session per route and re-binds it to the latest answerer", () =>
    Effect.gen(function* () {
      const sessions = yield* SessionAffinity.SessionAffinity
      yield* sessions.bind("chat-1", "main", "gpt-4o@openai")
      yield* sessions.bind("chat-1", "cheap", "mixtral@groq")
      expect(deploymentOf(yield* sessions.lookup("chat-1", "main"))).toBe("gpt-4o@openai")
      expect(deploymentOf(yield* sessions.lookup("chat-1", "cheap"))).toBe("mixtral@groq")
      expect(deploymentOf(yield* sessions.lookup("chat-2", "main"))).toBe("none")
      yield* sessions.bind("chat-1", "main", "haiku@anthropic")
      expect(deploymentOf(yield* sessions.lookup("chat-1", "main"))).toBe("haiku@anthropic")
    }).pipe(Effect.provide(SessionAffinity.layerMemory()))
  )

  it.effect("a binding expires ttl after its last use, and every use extends it", () =>
    Effect.gen(function* () {
      const sessions = yield* SessionAffinity.SessionAffinity
      yield* sessions.bind("chat-1", "main", "a")
      yield* sessions.bind("chat-2", "main", "b")
      yield* TestClock.adjust("8 minutes")
      expect(deploymentOf(yield* sessions.lookup("chat-1", "main"))).toBe("a")
      yield* TestClock.adjust("8 minutes")
      // chat-1 was used 8 minutes ago; chat-2 has been idle for 16.
      expect(deploymentOf(yield* sessions.lookup("chat-1", "main"))).toBe("a")
      expect(deploymentOf(yield* sessions.lookup("chat-2", "main"))).toBe("none")
      yield* TestClock.adjust("10 minutes")
      expect(deploymentOf(yield* sessions.lookup("chat-1", "main"))).toBe("none")
    }).pipe(Effect.provide(SessionAffinity.layerMemory({ ttl: "10 minutes" })))
  )

  it.effect("forgets the least recently used sessions beyond maxSessions", () =>
    Effect.gen(function* () {
      const sessions = yield* SessionAffinity.SessionAffinity
      yield* sessions.bind("s1", "main", "a")
      yield* sessions.bind("s2", "main", "b")
      yield* sessions.lookup("s1", "main")
      yield* sessions.bind("s3", "main", "c")
      expect(deploymentOf(yield* sessions.lookup("s2", "main"))).toBe("none")
      expect(deploymentOf(yield* sessions.lookup("s1", "main"))).toBe("a")
      expect(deploymentOf(yield* sessions.lookup("s3", "main"))).toBe("c")
    }).pipe(Effect.provide(SessionAffinity.layerMemory({ maxSessions: 2 })))
  )

  it.effect("forgets a session on one route or on all of them", () =>
    Effect.gen(function* () {
      const sessions = yield* SessionAffinity.SessionAffinity
      yield* sessions.bind("chat-1", "main", "a")
      yield* sessions.bind("chat-1", "cheap", "b")
      yield* sessions.bind("chat-11", "main", "c")
      yield* sessions.forget("chat-1", "cheap")
      expect(deploymentOf(yield* sessions.lookup("chat-1", "cheap"))).toBe("none")
      expect(deploymentOf(yield* sessions.lookup("chat-1", "main"))).toBe("a")
      yield* sessions.forget("chat-1")
      expect(deploymentOf(yield* sessions.lookup("chat-1", "main"))).toBe("none")
      expect(deploymentOf(yield* sessions.lookup("chat-11", "main"))).toBe("c")
    }).pipe(Effect.provide(SessionAffinity.layerMemory()))
  )
})
