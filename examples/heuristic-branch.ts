/**
 * Heuristic routing without a learned router: a keyword classifier picks a specialist route, a
 * semantic classifier recognises small talk by example utterances, and a token-count classifier
 * sends long prompts to a long-context model.
 *
 *   npx tsx examples/heuristic-branch.ts
 *
 * It prints the plan for a few prompts (planning never calls a model), then runs one of them over a
 * fake OpenAI-compatible upstream started in this process: no network, no API key.
 */
import { Console, Effect, Layer } from "effect"
import { Deployment, Embeddings, Providers, Route, Router, State, Strategies } from "effect-llm-router"

const program = Effect.gen(function* () {
  const upstream = yield* Providers.FakeUpstream.make()
  const model = (id: string, name: string, contextWindow: number) =>
    Deployment.make({
      id,
      provider: "openai-compatible",
      model: name,
      baseUrl: upstream.baseUrl,
      contextWindow
    })
  const coder = model("qwen-coder@fake", "qwen-2.5-coder-32b", 32_768)
  const reasoner = model("o3-mini@fake", "o3-mini", 200_000)
  const chat = model("gpt-4o-mini@fake", "gpt-4o-mini", 128_000)
  const longContext = model("gemini-flash@fake", "gemini-1.5-flash", 1_000_000)

  // Small talk never needs a specialist: recognise it by example (hashing embedder: no model needed).
  const smallTalk = yield* Strategies.semantic(
    {
      routes: {
        smalltalk: ["hi there", "how are you doing today", "thanks a lot!", "good morning", "tell me a joke"]
      },
      threshold: 0.35,
      default: "task"
    },
    Embeddings.HashingEmbedder.make()
  )
  const bySubject = Strategies.keyword({ useBuiltins: ["code", "math", "reasoning"], default: "general" })
  const byLength = Strategies.tokenCount({ bands: [{ upTo: 8_000, route: "normal" }], otherwise: "long" })

  const route = Route.branch(byLength, {
    long: longContext,
    normal: Route.branch(smallTalk, {
      smalltalk: chat,
      task: Route.branch(bySubject, { code: coder, math: reasoner, reasoning: reasoner, general: chat })
    })
  })

  const prompts = [
    "hi there, how are you?",
    "Write a TypeScript function that debounces another function, with tests.",
    "Prove that the sum of the first n odd numbers is n squared.",
    "Summarise this contract: " + "The party of the first part shall indemnify the other. ".repeat(900)
  ]
  for (const prompt of prompts) {
    const plan = yield* Router.plan(route, { model: "auto", messages: [{ role: "user", content: prompt }] })
    yield* Console.log(`\n> ${prompt.slice(0, 80)}${prompt.length > 80 ? "…" : ""}`)
    yield* Console.log(Router.planToText(plan))
  }

  const { response, trace } = yield* Router.run(route, {
    model: "auto",
    messages: [{ role: "user", content: prompts[1]! }]
  })
  yield* Console.log(
    `\nran: answered by ${trace.answeredBy} in ${trace.latencyMs} ms: ${response.choices[0]?.message.content}`
  )
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
