/**
 * Properties every strategy keeps, over random deployments, requests and routing state: it never
 * returns a candidate it removed or one it was not given, and accounts for each input exactly once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Random } from "effect"
import * as fc from "fast-check"
import type { ChatCompletionRequest } from "../../src/core/ChatCompletion.ts"
import type { Deployment } from "../../src/core/Deployment.ts"
import * as RoutingContext from "../../src/core/RoutingContext.ts"
import * as State from "../../src/state/index.ts"
import { budget, spendKeys } from "../../src/strategies/budget.ts"
import { capabilities } from "../../src/strategies/capabilities.ts"
import { contextWindow } from "../../src/strategies/contextWindow.ts"
import { costBased } from "../../src/strategies/costBased.ts"
import { latencyBased } from "../../src/strategies/latencyBased.ts"
import { leastBusy } from "../../src/strategies/leastBusy.ts"
import type { Candidate, Strategy, StrategyOutcome } from "../../src/strategies/Strategy.ts"
import { candidate } from "../../src/strategies/Strategy.ts"
import { tags } from "../../src/strategies/tags.ts"
import { usageBased } from "../../src/strategies/usageBased.ts"
import { weightedShuffle } from "../../src/strategies/weightedShuffle.ts"
import { deployment, words } from "./fixtures.ts"

const strategies: ReadonlyArray<Strategy<State.RouterState>> = [
  contextWindow(),
  tags({ required: ["a"], region: ["eu", "us"] }),
  capabilities(),
  budget([
    { scope: "deployment", maxUsd: 1, window: "1 hour" },
    { scope: "provider", maxUsd: 2, window: "1 day" }
  ]),
  usageBased(),
  leastBusy(),
  weightedShuffle(),
  costBased(),
  latencyBased({ bufferFraction: 0.2 })
]

const maybe = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: undefined })

const deploymentArb = (id: string) =>
  fc
    .record({
      provider: fc.constantFrom("openai" as const, "azure-openai" as const, "openai-compatible" as const),
      model: fc.constantFrom("gpt-4o", "gpt-4", "no-such-model"),
      contextWindow: maybe(fc.integer({ min: 20, max: 3_000 })),
      maxOutputTokens: maybe(fc.integer({ min: 1, max: 2_000 })),
      rpm: maybe(fc.integer({ min: 1, max: 10 })),
      tpm: maybe(fc.integer({ min: 10, max: 5_000 })),
      maxParallel: maybe(fc.integer({ min: 1, max: 3 })),
      weight: maybe(fc.integer({ min: 0, max: 5 })),
      tags: maybe(fc.subarray(["a", "b"])),
      region: maybe(fc.constantFrom("eu", "us", "ap")),
      vision: maybe(fc.boolean()),
      tools: maybe(fc.boolean()),
      streaming: maybe(fc.boolean()),
      price: maybe(fc.double({ min: 0, max: 1e-4, noNaN: true }))
    })
    .map(({ price, streaming, tools, vision, ...fields }): Deployment => {
      const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
      const capabilitiesDeclared = Object.fromEntries(
        Object.entries({ streaming, tools, vision }).filter(([, value]) => value !== undefined)
      )
      return deployment(id, {
        ...defined,
        ...(price === undefined ? {} : { inputCostPerToken: price, outputCostPerToken: price * 2 }),
        capabilities: capabilitiesDeclared
      })
    })

/** Routing state for one deployment: latency samples, usage, spend, requests in flight. */
const stateArb = fc.record({
  latency: fc.array(
    fc.record({ ms: fc.integer({ min: 1, max: 500 }), ttft: maybe(fc.integer({ min: 1, max: 900 })) }),
    {
      maxLength: 2
    }
  ),
  requests: fc.integer({ min: 0, max: 12 }),
  tokens: fc.integer({ min: 0, max: 6_000 }),
  spend: fc.double({ min: 0, max: 3, noNaN: true }),
  inFlight: fc.integer({ min: 0, max: 3 })
})

const scenarioArb = fc.integer({ min: 0, max: 6 }).chain((size) =>
  fc.record({
    deployments: fc.tuple(...Array.from({ length: size }, (_, index) => deploymentArb(`d${index}`))),
    states: fc.array(stateArb, { minLength: size, maxLength: size }),
    promptWords: fc.integer({ min: 0, max: 400 }),
    maxTokens: maybe(fc.integer({ min: 1, max: 3_000 })),
    stream: fc.boolean(),
    tools: fc.boolean(),
    image: fc.boolean(),
    seed: fc.integer()
  })
)

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer A> ? A : never

const requestOf = (scenario: Scenario): ChatCompletionRequest => ({
  model: "auto",
  messages: [
    {
      role: "user",
      content: scenario.image
        ? [
            { type: "text", text: words(scenario.promptWords) },
            { type: "image_url", image_url: { url: "https://example.com/cat.png" } }
          ]
        : words(scenario.promptWords)
    }
  ],
  stream: scenario.stream,
  ...(scenario.maxTokens === undefined ? {} : { max_tokens: scenario.maxTokens }),
  ...(scenario.tools ? { tools: [{ type: "function" as const, function: { name: "lookup" } }] } : {})
})

/** Loads a scenario's state into the in-memory services; returns the latch holding requests in flight. */
const seedState = (scenario: Scenario) =>
  Effect.gen(function* () {
    const latency = yield* State.LatencyStats.LatencyStats
    const usage = yield* State.UsageCounters.UsageCounters
    const spend = yield* State.SpendTracker.SpendTracker
    const inFlight = yield* State.InFlight.InFlight
    const release = yield* Deferred.make<void>()
    for (const [index, d] of scenario.deployments.entries()) {
      const state = scenario.states[index]!
      for (const sample of state.latency) {
        yield* latency.record(d.id, {
          latencyMs: sample.ms * 10,
          outputTokens: 10,
          ...(sample.ttft === undefined ? {} : { timeToFirstTokenMs: sample.ttft })
        })
      }
      for (let request = 0; request < state.requests; request++) {
        yield* usage.record(d.id, Math.floor(state.tokens / state.requests))
      }
      yield* spend.record(spendKeys(d), state.spend)
      for (let busy = 0; busy < state.inFlight; busy++) {
        const started = yield* Deferred.make<void>()
        yield* Effect.fork(
          inFlight.track(d.id, Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(release)))
        )
        yield* Deferred.await(started)
      }
    }
    return release
  })

const checkOutcome = (name: string, input: ReadonlyArray<Candidate>, outcome: StrategyOutcome) => {
  const inputIds = input.map((c) => c.deployment.id)
  const kept = outcome.candidates.map((c) => c.deployment.id)
  const removed = outcome.removed.map((r) => r.deployment)
  for (const id of kept) {
    expect(inputIds, `${name} returned ${id}, which it was not given`).toContain(id)
    expect(removed, `${name} both kept and removed ${id}`).not.toContain(id)
  }
  expect(new Set(kept).size, `${name} returned a candidate twice`).toBe(kept.length)
  expect([...kept, ...removed].sort(), `${name} lost or invented a candidate`).toEqual([...inputIds].sort())
  for (const removal of outcome.removed)
    expect(removal.reason.length, `${name} removed without a reason`).toBeGreaterThan(0)
  expect(outcome.summary.length).toBeGreaterThan(0)
}

const runScenario = (scenario: Scenario) =>
  Effect.gen(function* () {
    const release = yield* seedState(scenario)
    const context = RoutingContext.make(requestOf(scenario))
    const input = scenario.deployments.map(candidate)
    // Each strategy alone.
    for (const strategy of strategies)
      checkOutcome(strategy.name, input, yield* strategy.apply(input, context))
    // All of them as one pipeline: nothing removed at any stage comes back later.
    let current: ReadonlyArray<Candidate> = input
    const removedSoFar = new Set<string>()
    for (const strategy of strategies) {
      const outcome = yield* strategy.apply(current, context)
      checkOutcome(strategy.name, current, outcome)
      outcome.removed.forEach((removal) => removedSoFar.add(removal.deployment))
      current = outcome.candidates
    }
    for (const survivor of current) expect(removedSoFar.has(survivor.deployment.id)).toBe(false)
    yield* Deferred.succeed(release, undefined)
  }).pipe(Effect.provide(State.layerMemory), Effect.withRandom(Random.make(scenario.seed)))

describe("strategy invariants", () => {
  it("never return a removed candidate or one they were not given (property)", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, (scenario) => Effect.runPromise(runScenario(scenario))),
      { numRuns: 60, seed: 424_242 }
    )
  })
})
