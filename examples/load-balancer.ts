/**
 * A cost- and latency-aware load balancer with failover, in TypeScript.
 *
 *   npx tsx examples/load-balancer.ts
 *
 * Three deployments of the same model behind one route: `latencyBased` explores each once, then
 * prefers the fastest (random among those within 10 % of it); a failing deployment trips its
 * circuit breaker and drops out of plans until its cooldown ends. A second route orders by the
 * expected cost of each request. All deployments point at a fake OpenAI-compatible upstream started
 * in this process: no network, no API key.
 */
import { Console, Effect, Layer } from "effect"
import { Deployment, Providers, Route, Router, State, Strategies } from "effect-llm-router"

const program = Effect.gen(function* () {
  const upstream = yield* Providers.FakeUpstream.make({
    script: {
      seed: 1,
      models: {
        "llama-fast": { latencyMs: { min: 5, max: 10 } },
        "llama-slow": { latencyMs: { min: 60, max: 80 } },
        "llama-broken": { failures: [{ kind: "unavailable", probability: 1 }] }
      }
    }
  })
  const llama = (id: string, model: string, inputCostPerToken: number) =>
    Deployment.make({
      id,
      provider: "openai-compatible",
      model,
      baseUrl: upstream.baseUrl,
      inputCostPerToken,
      outputCostPerToken: inputCostPerToken * 2
    })
  const deployments = [
    llama("llama@fast-provider", "llama-fast", 9e-7),
    llama("llama@slow-provider", "llama-slow", 2e-7),
    llama("llama@broken-provider", "llama-broken", 1e-7)
  ]

  const byLatency = Route.pipeline(deployments, [Strategies.latencyBased()])
  const answeredBy = new Map<string, number>()
  for (let i = 0; i < 20; i++) {
    const { trace } = yield* Router.run(byLatency, {
      model: "llama",
      messages: [{ role: "user", content: `request ${i}` }]
    })
    answeredBy.set(trace.answeredBy ?? "?", (answeredBy.get(trace.answeredBy ?? "?") ?? 0) + 1)
  }
  yield* Console.log("latency-based, 20 requests answered by:", Object.fromEntries(answeredBy))
  const next = yield* Router.plan(byLatency, {
    model: "llama",
    messages: [{ role: "user", content: "next" }]
  })
  yield* Console.log("\nthe plan for the next request:\n" + Router.planToText(next))

  const byCost = Route.pipeline(deployments, [Strategies.costBased()])
  const cheapest = yield* Router.plan(byCost, {
    model: "llama",
    messages: [{ role: "user", content: "cheap please" }]
  })
  yield* Console.log("\ncost-based order:\n" + Router.planToText(cheapest))
})

Effect.runPromise(
  program.pipe(
    Effect.scoped,
    Effect.provide(Layer.mergeAll(Providers.OpenAICompatibleProvider.layer, State.layerMemory))
  )
).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
