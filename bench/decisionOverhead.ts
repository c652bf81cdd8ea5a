/**
 * Decision cost: how long the router takes to plan one request, measured through the same path the
 * server uses (`Router.plan` over a config decoded by `RouterConfig.fromValue`), one route per
 * router, strategy and classifier, with each embedder where one is involved. Prompts are distinct
 * real prompts (MT Bench, arena-bench-v1, GSM8K), planned one at a time on one core.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { ChatCompletionRequest } from "../src/core/ChatCompletion.ts"
import { ConfigError } from "../src/core/Errors.ts"
import type { EmbedderShape } from "../src/embeddings/Embedder.ts"
import type { ResolvedRouter, RouterConfig } from "../src/graph/Config.ts"
import * as RouterConfigModule from "../src/graph/Config.ts"
import * as Router from "../src/graph/Router.ts"
import * as State from "../src/state/index.ts"
import { ascending, percentile } from "./loadGenerator.ts"

/**
 * One row of the decision table (the `decision` array of `bench overhead --json`).
 *
 * @since 0.1.0
 */
export interface DecisionRow {
  readonly router: string
  readonly embedder: string
  readonly p50Ms: number
  readonly p99Ms: number
  readonly perSecond: number
}

/**
 * A route to time: its name in the table, the embedder involved (`none` if none), and the route
 * spec (the value of `routes.main` in a config).
 *
 * @since 0.1.0
 */
export interface DecisionCase {
  readonly name: string
  readonly embedder: string
  readonly route: unknown
  /** Routers the route refers to, already built. */
  readonly routers?: Readonly<Record<string, ResolvedRouter>>
}

const deployments = [
  {
    id: "gpt-4o@a",
    provider: "openai-compatible",
    model: "gpt-4o",
    contextWindow: 128000,
    inputCostPerToken: 2.5e-6,
    outputCostPerToken: 1e-5,
    rpm: 600,
    region: "eu",
    weight: 2
  },
  {
    id: "gpt-4o@b",
    provider: "openai-compatible",
    model: "gpt-4o",
    contextWindow: 128000,
    inputCostPerToken: 2.5e-6,
    outputCostPerToken: 1e-5,
    rpm: 300,
    region: "us",
    weight: 1
  },
  {
    id: "mixtral@a",
    provider: "openai-compatible",
    model: "mixtral",
    contextWindow: 32768,
    inputCostPerToken: 6e-7,
    outputCostPerToken: 6e-7,
    rpm: 600,
    region: "eu",
    weight: 1
  },
  {
    id: "mixtral@b",
    provider: "openai-compatible",
    model: "mixtral",
    contextWindow: 32768,
    inputCostPerToken: 2.4e-7,
    outputCostPerToken: 2.4e-7,
    rpm: 300,
    region: "us",
    weight: 1
  }
]
const all = deployments.map((deployment) => deployment.id)
const pipeline = (strategies: ReadonlyArray<unknown>) => ({ pipeline: { deployments: all, strategies } })
const strong = { pipeline: { deployments: ["gpt-4o@a", "gpt-4o@b"] } }
const weak = { pipeline: { deployments: ["mixtral@a", "mixtral@b"] } }

/**
 * The strategy and classifier routes timed (no embedder, except the semantic classifier's hashing).
 *
 * @since 0.1.0
 */
export const strategyCases: ReadonlyArray<DecisionCase> = [
  { name: "deployment (no strategy)", embedder: "none", route: "gpt-4o@a" },
  { name: "strategy: contextWindow", embedder: "none", route: pipeline([{ type: "contextWindow" }]) },
  { name: "strategy: latency", embedder: "none", route: pipeline([{ type: "latency" }]) },
  { name: "strategy: cost", embedder: "none", route: pipeline([{ type: "cost" }]) },
  { name: "strategy: usage", embedder: "none", route: pipeline([{ type: "usage" }]) },
  { name: "strategy: leastBusy", embedder: "none", route: pipeline([{ type: "leastBusy" }]) },
  { name: "strategy: weighted", embedder: "none", route: pipeline([{ type: "weighted" }]) },
  {
    name: "strategy: contextWindow+latency+cost",
    embedder: "none",
    route: pipeline([{ type: "contextWindow" }, { type: "latency" }, { type: "cost" }])
  },
  {
    name: "classifier: tokenCount",
    embedder: "none",
    route: {
      branch: {
        classifier: { type: "tokenCount", bands: [{ upTo: 200, route: "weak" }], otherwise: "strong" },
        routes: { strong, weak }
      }
    }
  },
  {
    name: "classifier: keyword (builtins)",
    embedder: "none",
    route: {
      branch: {
        classifier: { type: "keyword", useBuiltins: true, default: "weak" },
        routes: { code: strong, math: strong, reasoning: strong, translation: weak, creative: weak, weak }
      }
    }
  },
  {
    name: "classifier: semantic",
    embedder: "hashing",
    route: {
      branch: {
        classifier: {
          type: "semantic",
          threshold: 0.2,
          default: "weak",
          routes: {
            strong: ["prove this theorem", "write a function in python", "solve the equation step by step"],
            weak: ["say hello", "translate this sentence", "tell me a joke"]
          }
        },
        routes: { strong, weak }
      }
    }
  }
]

/**
 * A threshold route over a built win-rate router (`strong` ≥ 0.5), as `threshold` nodes run it.
 *
 * @since 0.1.0
 */
export const routerCase = (router: ResolvedRouter, embedder: string | undefined): DecisionCase => ({
  name: `router: ${router.name}`,
  embedder: embedder ?? "none",
  route: { threshold: { router: "bench", threshold: 0.5, strong, weak } },
  routers: { bench: router }
})

/**
 * An embedder alone (what every embedding router pays before its own arithmetic).
 *
 * @since 0.1.0
 */
export const embedderCost = (
  embedder: EmbedderShape,
  prompts: ReadonlyArray<string>,
  budgetMs: number
): Effect.Effect<DecisionRow> =>
  Effect.gen(function* () {
    yield* warmUp(prompts, budgetMs, (prompt) => Effect.orDie(embedder.embed(prompt)))
    const timings: Array<number> = []
    const started = performance.now()
    for (const prompt of prompts) {
      const before = performance.now()
      yield* Effect.orDie(embedder.embed(prompt))
      timings.push(performance.now() - before)
      if (performance.now() - started > budgetMs) break
    }
    return summarise(`embed only`, embedder.name, timings)
  })

const warmUp = <A, R>(
  prompts: ReadonlyArray<string>,
  budgetMs: number,
  run: (prompt: string) => Effect.Effect<A, never, R>
): Effect.Effect<void, never, R> =>
  Effect.gen(function* () {
    const started = performance.now()
    for (const prompt of prompts) {
      yield* run(prompt)
      if (performance.now() - started > budgetMs) break
    }
  })

const summarise = (router: string, embedder: string, timings: ReadonlyArray<number>): DecisionRow => {
  const sorted = ascending(timings)
  const total = timings.reduce((sum, value) => sum + value, 0)
  const round = (value: number) => Math.round(value * 10_000) / 10_000
  return {
    router,
    embedder,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    perSecond: Math.round(total > 0 ? (timings.length * 1000) / total : 0)
  }
}

const loadCase = (testCase: DecisionCase): Effect.Effect<RouterConfig, ConfigError> =>
  RouterConfigModule.fromValue(
    {
      version: 1,
      deployments,
      routers: Object.fromEntries(Object.keys(testCase.routers ?? {}).map((name) => [name, { type: name }])),
      routes: { main: testCase.route },
      default: "main"
    },
    {
      resolveRouter: (name) => {
        const router = testCase.routers?.[name]
        return router === undefined
          ? Effect.fail(
              new ConfigError({ path: `routers.${name}`, message: `no router ${name} in the benchmark` })
            )
          : Effect.succeed(router)
      }
    }
  )

/**
 * Plans `prompts` one by one over the case's route (after an untimed warm-up pass) until they run
 * out or `budgetMs` has passed, and summarises the per-plan latencies. Decisions per second is the
 * reciprocal of the mean plan time (one core, one request at a time).
 *
 * @since 0.1.0
 */
export const decisionCost = (
  testCase: DecisionCase,
  prompts: ReadonlyArray<string>,
  budgetMs: number
): Effect.Effect<DecisionRow, ConfigError> =>
  Effect.gen(function* () {
    const config = yield* loadCase(testCase)
    const route = config.routes["main"]!
    const request = (prompt: string): ChatCompletionRequest => ({
      model: "main",
      messages: [{ role: "user", content: prompt }]
    })
    // Warm-up: one untimed pass over the prompts (within the budget), so that the timed pass
    // measures a warm process, as a server is after its first seconds; cold costs are reported
    // separately (load times, CLI start-up).
    yield* warmUp(prompts, budgetMs, (prompt) =>
      Effect.orDie(Router.plan(route, request(prompt), { name: "main" }))
    )
    const timings: Array<number> = []
    const started = performance.now()
    for (const prompt of prompts) {
      const before = performance.now()
      yield* Effect.orDie(Router.plan(route, request(prompt), { name: "main" }))
      timings.push(performance.now() - before)
      if (performance.now() - started > budgetMs) break
    }
    return summarise(testCase.name, testCase.embedder, timings)
  }).pipe(Effect.provide(State.layerMemory))
