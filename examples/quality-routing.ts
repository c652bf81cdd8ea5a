/**
 * Quality routing with failover, in TypeScript (examples/router.config.yaml is the same graph as a
 * config file).
 *
 *   npx tsx examples/quality-routing.ts
 *
 * RouteLLM's matrix-factorisation router (trained offline, shipped in weights/) scores each prompt;
 * hard prompts go to the strong side, easy ones to the weak side, and a third deployment catches
 * whatever both fail. The deployments point at a fake OpenAI-compatible upstream started in this
 * process, so nothing leaves the machine and no API key is needed; its `gpt-4o` deployment at
 * "azure" is scripted to fail once, to show the failover in the trace.
 */
import { Console, Effect, Layer } from "effect"
import { Deployment, Providers, Route, Router, Routers, State, Strategies } from "effect-llm-router"

const program = Effect.gen(function* () {
  const upstream = yield* Providers.FakeUpstream.make({
    script: {
      models: {
        "gpt-4o-azure": { sequence: ["unavailable"], latencyMs: 40, reply: "A careful, strong answer." },
        "gpt-4o": { latencyMs: 60, reply: "A careful, strong answer." },
        mixtral: { latencyMs: 20, reply: "A quick, cheap answer." },
        haiku: { reply: "A fallback answer." }
      }
    }
  })
  const at = (id: string, model: string, prices: { input: number; output: number }) =>
    Deployment.make({
      id,
      provider: "openai-compatible",
      model,
      baseUrl: upstream.baseUrl,
      inputCostPerToken: prices.input,
      outputCostPerToken: prices.output,
      contextWindow: 32_768
    })
  const gpt4oAzure = at("gpt-4o@azure", "gpt-4o-azure", { input: 2.5e-6, output: 1e-5 })
  const gpt4oOpenAI = at("gpt-4o@openai", "gpt-4o", { input: 2.5e-6, output: 1e-5 })
  const mixtral = at("mixtral@together", "mixtral", { input: 6e-7, output: 6e-7 })
  const haiku = at("claude-haiku@anthropic", "haiku", { input: 8e-7, output: 4e-6 })

  // The default router: shipped MF weights over the shipped static embedder (offline, ~1 ms).
  const mf = yield* Routers.RouterRegistry.makeRouter("mf")
  const route = Route.fallback([
    Route.threshold({
      router: mf,
      // Sends half of the arena-bench-v1 prompts to the strong side (`llm-router calibrate`).
      threshold: 0.912,
      strong: Route.pipeline(
        [gpt4oAzure, gpt4oOpenAI],
        [Strategies.contextWindow(), Strategies.latencyBased()]
      ),
      weak: Route.pipeline([mixtral], [Strategies.contextWindow()])
    }),
    haiku
  ])

  for (const prompt of [
    "Prove that the square root of 2 is irrational, then generalise to every non-square integer.",
    "hi! what's up?"
  ]) {
    const { response, plan, trace } = yield* Router.run(route, {
      model: "main",
      messages: [{ role: "user", content: prompt }]
    })
    yield* Console.log(`\n> ${prompt}`)
    yield* Console.log(`win rate ${plan.winRate?.toFixed(3)} → ${plan.strong ? "strong" : "weak"}`)
    for (const attempt of trace.attempts) {
      yield* Console.log(
        `  attempt ${attempt.deployment}: ${attempt.outcome}${attempt.failure ? ` (${attempt.failure})` : ""}`
      )
    }
    yield* Console.log(`answered by ${trace.answeredBy}: ${response.choices[0]?.message.content}`)
    yield* Console.log(`cost $${trace.costUsd?.toFixed(6)}, ${trace.latencyMs} ms`)
  }
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
