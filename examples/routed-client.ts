/**
 * The routed client from plain Promise code: `createRoutedClient` plus the `openai` SDK's own types.
 *
 *   npx tsx examples/routed-client.ts
 *
 * The requests really go over HTTP, to a fake OpenAI-compatible upstream started in this process
 * (it stands in for real providers, so the example needs no API key and no network).
 */
import { Effect, Exit, Scope } from "effect"
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionTool
} from "openai/resources/chat/completions"
// From outside this repository: import { createRoutedClient } from "effect-llm-router"
import { createRoutedClient } from "../src/client/index.ts"
import * as FakeUpstream from "../src/providers/FakeUpstream.ts"

/** Starts the fake upstream: `gpt-4o` and `mixtral` answer, `flaky` fails its first request. */
const startFakeUpstream = async () => {
  const scope = await Effect.runPromise(Scope.make())
  const upstream = await Effect.runPromise(
    Scope.extend(
      FakeUpstream.make({
        script: {
          models: {
            "gpt-4o": {
              reply: "There are infinitely many primes: assume finitely many, multiply them, add one."
            },
            mixtral: { reply: "Hello! How can I help?" },
            flaky: { sequence: ["unavailable"], reply: "flaky answered after all" }
          }
        }
      }),
      scope
    )
  )
  return { baseUrl: upstream.baseUrl, stop: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const main = async () => {
  const upstream = await startFakeUpstream()
  // The same object could live in router.config.yaml; createRoutedClient("router.config.yaml") loads it.
  const client = createRoutedClient(
    {
      conversation: "last-user",
      deployments: [
        { id: "gpt-4o@fake", provider: "openai-compatible", model: "gpt-4o", baseUrl: upstream.baseUrl },
        {
          id: "mixtral@fake",
          provider: "openai-compatible",
          model: "mixtral",
          baseUrl: upstream.baseUrl,
          capabilities: { tools: false, vision: false }
        },
        { id: "flaky@fake", provider: "openai-compatible", model: "flaky", baseUrl: upstream.baseUrl }
      ],
      // A heuristic win-rate router (keywords of hard requests); RouteLLM's `mf` plugs in the same way.
      routers: { kw: { type: "keyword" } },
      routes: {
        // Cheapest first; a deployment that cannot serve the request is skipped.
        chat: { fallback: ["mixtral@fake", "gpt-4o@fake"] },
        resilient: { fallback: ["flaky@fake", "gpt-4o@fake"] },
        strong: "gpt-4o@fake",
        weak: "mixtral@fake"
      },
      // `router-<router>-<threshold>` model names route between these two, as in RouteLLM.
      routellm: { strong: "strong", weak: "weak" }
    },
    { sticky: true }
  )

  try {
    const messages: Array<ChatCompletionMessageParam> = [{ role: "user", content: "Hi there" }]

    // 1. Non-streaming: the SDK's ChatCompletion, with the decision on a non-enumerable `router`.
    const completion: ChatCompletion = await client.chat.completions.create({ model: "chat", messages })
    console.log("answer:", completion.choices[0]?.message.content)
    const routed = await client.chat.completions.create({ model: "chat", messages })
    console.log("answered by:", routed.router.answeredBy, "| attempts:", routed.router.trace.attempts.length)

    // 2. Streaming: an async iterable of the SDK's ChatCompletionChunk.
    const stream = await client.chat.completions.create({ model: "resilient", messages, stream: true })
    let text = ""
    for await (const chunk of stream satisfies AsyncIterable<ChatCompletionChunk>) {
      text += chunk.choices[0]?.delta.content ?? ""
    }
    console.log("streamed:", text)
    console.log(
      "stream trace:",
      stream.router.trace.attempts.map((attempt) => `${attempt.deployment} ${attempt.outcome}`).join(" → ")
    )

    // 3. RouteLLM-style names: the router's win rate against the threshold picks strong or weak.
    const hard = await client.chat.completions.create({
      model: "router-kw-0.5",
      messages: [{ role: "user", content: "Prove the theorem and derive the integral step by step." }]
    })
    console.log(
      `router-kw-0.5: win rate ${hard.router.winRate?.toFixed(2)} → ${hard.router.answeredByModel}:`,
      hard.choices[0]?.message.content
    )
    const easy = await client.route({
      model: "router-kw-0.5",
      messages: [{ role: "user", content: "hi, thanks!" }]
    })
    console.log(`route only, "hi, thanks!": win rate ${easy.winRate?.toFixed(2)} → ${easy.model}`)

    // 4. Route only: which model would answer, without calling any.
    const weather: ChatCompletionTool = { type: "function", function: { name: "weather", parameters: {} } }
    const plan = await client.route({ model: "chat", messages, tools: [weather] })
    console.log("with tools, chat routes to:", plan.model, `(${plan.deployment})`)

    // 5. A conversation sticks to the deployment that answered its earlier turns.
    const first = await client.chat.completions.create({ model: "chat", messages, user: "alice" })
    const second = await client.chat.completions.create({
      model: "chat",
      user: "alice",
      messages: [
        ...messages,
        { role: "assistant", content: first.choices[0]?.message.content ?? "" },
        { role: "user", content: "More?" }
      ]
    })
    console.log("session:", second.router.session?.summary)
  } finally {
    await client.close()
    await upstream.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
