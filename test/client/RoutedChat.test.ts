import { describe, expect, it } from "@effect/vitest"
import type { Scope } from "effect"
import { Chunk, Effect, Layer, Stream } from "effect"
import { LlmRouter, RoutedChat, layer } from "../../src/client/index.ts"
import { Deployment } from "../../src/core/Deployment.ts"
import * as Route from "../../src/graph/Route.ts"
import * as FakeUpstream from "../../src/providers/FakeUpstream.ts"

/** The Effect API: the same effects the Promise client runs, over layers the caller composes. */
const withUpstream = <A, E>(
  use: (
    deployment: (model: string) => Deployment
  ) => Effect.Effect<A, E, RoutedChat.RoutedChatServices | Scope.Scope>
) =>
  Effect.gen(function* () {
    const upstream = yield* FakeUpstream.make({
      script: {
        models: {
          primary: { sequence: ["server_error"], reply: "primary" },
          backup: { reply: "from backup" }
        }
      }
    })
    const deployment = (model: string) =>
      Deployment.make({
        id: `${model}@fake`,
        provider: "openai-compatible",
        model,
        baseUrl: upstream.baseUrl
      })
    const route = Route.fallback([deployment("primary"), deployment("backup")])
    return yield* use(deployment).pipe(Effect.provide(layer({ route, name: "chat" })))
  })

describe("RoutedChat (Effect API)", () => {
  it.scoped("complete runs a route written in TypeScript and returns the decision with the response", () =>
    withUpstream(() =>
      Effect.gen(function* () {
        const router = yield* LlmRouter
        expect(router.models().map((m) => m.id)).toEqual(["chat"])
        const { response, decision } = yield* RoutedChat.complete({
          model: "chat",
          messages: [{ role: "user", content: "hi" }]
        })
        expect(response.choices[0]?.message.content).toBe("from backup")
        expect(decision.attempts.map((a) => a.deployment)).toEqual(["primary@fake", "backup@fake"])
        expect(decision.trace.attempts.map((a) => `${a.deployment}:${a.outcome}`)).toEqual([
          "primary@fake:failed",
          "backup@fake:succeeded"
        ])
      })
    )
  )

  it.scoped("open streams the chunks and settles the final decision", () =>
    withUpstream(() =>
      Effect.gen(function* () {
        const opened = yield* RoutedChat.open({ model: "chat", messages: [{ role: "user", content: "hi" }] })
        const chunks = yield* Stream.runCollect(opened.run.chunks)
        const text = Chunk.toReadonlyArray(chunks)
          .map((chunk) => chunk.choices[0]?.delta.content ?? "")
          .join("")
        expect(text).toBe("from backup")
        const final = yield* opened.finalDecision
        expect(final.answeredBy).toBe("backup@fake")
        expect(final.trace.attempts.map((a) => a.outcome)).toContain("succeeded")
      })
    )
  )

  it.effect("a config that fails to load fails the layer with its ConfigError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Layer.build(layer("/nonexistent/router.config.yaml")).pipe(Effect.scoped)
      )
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toContain("/nonexistent/router.config.yaml")
    })
  )
})
