import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as fc from "fast-check"
import type { ChatCompletionRequest } from "../../src/core/ChatCompletion.ts"
import { Deployment } from "../../src/core/Deployment.ts"
import { attempts } from "../../src/core/Plan.ts"
import * as Route from "../../src/graph/Route.ts"
import * as Router from "../../src/graph/Router.ts"
import * as Calibration from "../../src/routers/Calibration.ts"
import type { QualityRouter, WinRateRouter } from "../../src/routers/WinRateRouter.ts"
import { Cooldowns } from "../../src/state/Cooldowns.ts"
import * as State from "../../src/state/index.ts"
import type { Classifier, Strategy } from "../../src/strategies/Strategy.ts"

const dep = (id: string, extra: Partial<ConstructorParameters<typeof Deployment>[0]> = {}) =>
  Deployment.make({ id, provider: "openai-compatible", model: id.split("@")[0]!, ...extra })

const request = (content: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "main",
  messages: [{ role: "user", content }],
  ...extra
})

/** A win-rate router whose answer is the number written in the prompt, e.g. "p=0.7". */
const promptRouter: WinRateRouter = {
  name: "prompt-number",
  winRate: (prompt) => Effect.succeed(Number(/p=([0-9.]+)/.exec(prompt)?.[1] ?? "0"))
}

const ids = (plan: { root: Parameters<typeof attempts>[0] }) =>
  attempts(plan.root).map((a) => a.deployment.id)

const strong = dep("gpt-4@openai")
const weak = dep("mixtral@together")
const backup = dep("haiku@anthropic")

describe("Router.plan", () => {
  it.effect("threshold sends prompts at or above the threshold to the strong route", () =>
    Effect.gen(function* () {
      const route = Route.threshold({ router: promptRouter, threshold: 0.5, strong, weak })
      const high = yield* Router.plan(route, request("p=0.5"))
      const low = yield* Router.plan(route, request("p=0.49"))
      expect(ids(high)).toEqual(["gpt-4@openai"])
      expect(high.strong).toBe(true)
      expect(ids(low)).toEqual(["mixtral@together"])
      expect(low.strong).toBe(false)
      expect(low.decisions[0]?.summary).toContain("< threshold 0.5")
      expect(attempts(low.root)[0]?.reasons[0]).toContain("weak")
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("an adaptive threshold records only served requests it decides, on the side that serves", () =>
    Effect.gen(function* () {
      const controller = yield* Calibration.makeController({
        target: { strongFraction: 0.5 },
        initialThreshold: 0.5,
        gain: 0.1
      })
      const adaptive = Route.threshold({
        router: promptRouter,
        threshold: 0.5,
        adaptive: controller,
        strong,
        weak
      })
      // A dry run reads the threshold and moves nothing.
      const dry = yield* Router.plan(adaptive, request("p=0.9"))
      expect(ids(dry)[0]).toBe("gpt-4@openai")
      expect(dry.decisions[0]?.summary).toContain("threshold 0.500 (adaptive)")
      expect((yield* controller.state).decisions).toBe(0)
      // Served: one strong decision moves the threshold up by gain × (1 − 0.5).
      yield* Router.plan(adaptive, request("p=0.9"), { serving: true })
      expect(yield* controller.state).toEqual({ threshold: 0.55, decisions: 1, strongDecisions: 1 })
      // As the second option of a fallback it backs the request up but does not decide it.
      const backup = Route.fallback([dep("primary@x"), adaptive])
      const planned = yield* Router.plan(backup, request("p=0.9"), { serving: true })
      expect(ids(planned)).toEqual(["primary@x", "gpt-4@openai"])
      expect((yield* controller.state).decisions).toBe(1)
      // When the chosen side has no deployment available, the side that serves is recorded.
      const cooldowns = yield* Cooldowns
      for (let failure = 0; failure < 5; failure++) yield* cooldowns.recordFailure(strong.id, "Unavailable")
      const other = yield* Router.plan(adaptive, request("p=0.9"), { serving: true })
      expect(ids(other)).toEqual(["mixtral@together"])
      expect(yield* controller.state).toEqual({ threshold: 0.5, decisions: 2, strongDecisions: 1 })
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("a router that returns NaN fails the plan with a RouterError instead of routing weak", () =>
    Effect.gen(function* () {
      const broken: WinRateRouter = { name: "broken", winRate: () => Effect.succeed(Number.NaN) }
      const route = Route.threshold({ router: broken, threshold: 0.5, strong, weak })
      const exit = yield* Effect.exit(Router.plan(route, request("anything")))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
        expect(error).toMatchObject({ _tag: "RouterError", router: "broken", reason: "InvalidOutput" })
        expect(String((error as { message?: string }).message)).toContain("not a finite number (NaN)")
      }
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("threshold takes the other side when nothing on the chosen side is available", () =>
    Effect.gen(function* () {
      const cooldowns = yield* Cooldowns
      yield* cooldowns.recordFailure(strong.id, "AuthFailed")
      const route = Route.threshold({ router: promptRouter, threshold: 0.5, strong, weak })
      const plan = yield* Router.plan(route, request("p=0.9"))
      expect(ids(plan)).toEqual(["mixtral@together"])
      expect(plan.strong).toBe(true)
      expect(attempts(plan.root)[0]?.reasons[0]).toContain("no strong deployment is available → weak")
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("fallback keeps the order of its routes and marks later ones as fallbacks", () =>
    Effect.gen(function* () {
      const route = Route.fallback([
        Route.threshold({ router: promptRouter, threshold: 0.5, strong, weak }),
        backup
      ])
      const plan = yield* Router.plan(route, request("p=0.9"))
      expect(ids(plan)).toEqual(["gpt-4@openai", "haiku@anthropic"])
      expect(attempts(plan.root)[1]?.reasons).toContain("fallback #1")
      expect(plan.root._tag).toBe("Sequence")
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("deployments whose circuit is open are left out, with the reason", () =>
    Effect.gen(function* () {
      const cooldowns = yield* Cooldowns
      for (let i = 0; i < 3; i++) yield* cooldowns.recordFailure(strong.id, "Unavailable")
      const plan = yield* Router.plan(Route.fallback([strong, backup]), request("hello"))
      expect(ids(plan)).toEqual(["haiku@anthropic"])
      const removal = plan.decisions.flatMap((d) => d.removed ?? [])
      expect(removal.map((r) => r.deployment)).toEqual(["gpt-4@openai"])
      expect(removal[0]?.reason).toContain("cooling down")
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("fails with NoRouteAvailable naming what was removed when nothing is left", () =>
    Effect.gen(function* () {
      const cooldowns = yield* Cooldowns
      yield* cooldowns.recordFailure(strong.id, "AuthFailed")
      const exit = yield* Effect.exit(Router.plan(Route.deployment(strong), request("hello")))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
        expect(error?._tag).toBe("NoRouteAvailable")
        expect(error && "removed" in error ? error.removed.map((r) => r.deployment) : []).toEqual([
          "gpt-4@openai"
        ])
        expect(error?.message).toContain("gpt-4@openai")
      }
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("retry, timeout and hedge wrap the plan of their inner route", () =>
    Effect.gen(function* () {
      const route = Route.timeout(
        Route.retry(Route.hedge("50 millis", [strong, backup]), { times: 3 }),
        "2 seconds"
      )
      const plan = yield* Router.plan(route, request("hi"))
      expect(plan.root._tag).toBe("Timeout")
      if (plan.root._tag !== "Timeout") return
      expect(plan.root.ms).toBe(2000)
      expect(plan.root.node._tag).toBe("Retry")
      if (plan.root.node._tag !== "Retry") return
      expect(plan.root.node.policy.times).toBe(3)
      expect(plan.root.node.node._tag).toBe("Hedge")
      if (plan.root.node.node._tag === "Hedge") expect(plan.root.node.node.delayMs).toBe(50)
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("branch takes the classifier's route, or 'otherwise' for a choice it has no route for", () =>
    Effect.gen(function* () {
      const byFirstWord: Classifier = {
        name: "first-word",
        choices: ["code", "chat", "poetry"],
        classify: (context) =>
          Effect.succeed({
            choice: context.text.split(" ")[0] ?? "",
            summary: `first word '${context.text.split(" ")[0]}'`
          })
      }
      const route = Route.branch(byFirstWord, { code: strong, chat: weak }, { otherwise: "chat" })
      expect(ids(yield* Router.plan(route, request("code this")))).toEqual(["gpt-4@openai"])
      const other = yield* Router.plan(route, request("poetry please"))
      expect(ids(other)).toEqual(["mixtral@together"])
      expect(other.decisions[0]?.summary).toContain("(otherwise)")
      const strict = Route.branch(byFirstWord, { code: strong })
      const exit = yield* Effect.exit(Router.plan(strict, request("poetry please")))
      expect(Exit.isFailure(exit)).toBe(true)
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("select maximises quality minus lambda times expected cost", () =>
    Effect.gen(function* () {
      const pricey = dep("big@x", { inputCostPerToken: 1e-3, outputCostPerToken: 1e-3 })
      const cheap = dep("small@x", { inputCostPerToken: 0, outputCostPerToken: 0 })
      const quality: QualityRouter = {
        name: "fixed-quality",
        models: ["big", "small"],
        predict: () => Effect.succeed({ big: 0.9, small: 0.6 })
      }
      const pick = (lambda: number) =>
        Router.plan(
          Route.select({ router: quality, lambda, options: { big: pricey, small: cheap } }),
          request("hi")
        )
      // With lambda 0 quality alone decides; with a large lambda the $0.26 expected cost dominates.
      expect(ids(yield* pick(0))).toEqual(["big@x"])
      expect(ids(yield* pick(100))).toEqual(["small@x"])
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("loadBalance orders sub-routes by its strategy applied to their first deployments", () =>
    Effect.gen(function* () {
      const reverseAlphabetical: Strategy = {
        name: "reverse",
        apply: (candidates) =>
          Effect.succeed({
            candidates: [...candidates].sort((a, b) => b.deployment.id.localeCompare(a.deployment.id)),
            removed: [],
            summary: "reverse alphabetical"
          })
      }
      const route = Route.loadBalance(reverseAlphabetical, [
        Route.fallback([strong, backup]),
        Route.retry(weak)
      ])
      const plan = yield* Router.plan(route, request("hi"))
      expect(ids(plan)).toEqual(["mixtral@together", "gpt-4@openai", "haiku@anthropic"])
    }).pipe(Effect.provide(State.layerMemory))
  )

  it.effect("leaves out deployments lacking a capability the request uses, and says which", () =>
    Effect.gen(function* () {
      const textOnly = dep("text@x", { capabilities: { vision: false, tools: false } })
      const vision = dep("vision@x")
      const imageRequest = request("", {
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] }
        ]
      })
      const plan = yield* Router.plan(Route.fallback([textOnly, vision]), imageRequest)
      expect(ids(plan)).toEqual(["vision@x"])
      expect(plan.decisions.flatMap((d) => d.removed ?? [])[0]?.reason).toContain("lacks vision")
      // Text requests still reach the text-only deployment.
      expect(ids(yield* Router.plan(Route.fallback([textOnly, vision]), request("hi")))).toEqual([
        "text@x",
        "vision@x"
      ])
      // With the filter off, planning keeps it.
      const unfiltered = yield* Router.plan(Route.fallback([textOnly, vision]), imageRequest, {
        capabilityFilter: false
      })
      expect(ids(unfiltered)).toEqual(["text@x", "vision@x"])
      const toolsRequest = request("call it", {
        tools: [{ type: "function", function: { name: "lookup" } }]
      })
      const error = yield* Effect.flip(Router.plan(Route.deployment(textOnly), toolsRequest))
      expect(error._tag).toBe("NoRouteAvailable")
      expect(error.message).toContain("no deployment supports tools")
    }).pipe(Effect.provide(State.layerMemory))
  )

  it("a plan never contains a deployment a filter removed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 8 }),
        fc.func(fc.boolean()),
        async (names, drop) => {
          const deployments = names.map((name) => dep(`${name}@p`))
          const dropSome: Strategy = {
            name: "drop-some",
            apply: (candidates) =>
              Effect.succeed({
                candidates: candidates.filter((c) => !drop(c.deployment.id)),
                removed: candidates
                  .filter((c) => drop(c.deployment.id))
                  .map((c) => ({ deployment: c.deployment.id, reason: "dropped" })),
                summary: "drop some"
              })
          }
          const exit = await Effect.runPromiseExit(
            Router.plan(Route.pipeline(deployments, [dropSome]), request("hi")).pipe(
              Effect.provide(State.layerMemory)
            )
          )
          const removed = new Set(deployments.filter((d) => drop(d.id)).map((d) => d.id))
          if (Exit.isSuccess(exit)) {
            const planned = ids(exit.value)
            expect(planned.some((id) => removed.has(id))).toBe(false)
            expect(planned.length).toBe(deployments.length - removed.size)
          } else {
            expect(removed.size).toBe(deployments.length)
          }
        }
      ),
      { numRuns: 200 }
    )
  })
})
