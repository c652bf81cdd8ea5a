/**
 * Shared setup for the client tests: a fake upstream on loopback (the real OpenAI wire format) and
 * configs built in code that point deployments at it.
 */
import { Effect, Exit, Scope } from "effect"
import { RoutedClientError } from "../../src/client/index.ts"
import { Deployment } from "../../src/core/Deployment.ts"
import type { RouterConfig } from "../../src/graph/Config.ts"
import type { Route } from "../../src/graph/Route.ts"
import * as FakeUpstream from "../../src/providers/FakeUpstream.ts"
import type { Script } from "../../src/providers/FakeUpstreamScript.ts"
import type { WinRateRouter } from "../../src/routers/WinRateRouter.ts"
import type { RouterState } from "../../src/state/index.ts"

export type DeploymentFields = Omit<
  ConstructorParameters<typeof Deployment>[0],
  "id" | "provider" | "model" | "baseUrl"
>

export interface Upstream {
  readonly upstream: FakeUpstream.FakeUpstream
  readonly deployment: (model: string, fields?: DeploymentFields) => Deployment
  readonly stop: () => Promise<void>
}

/** Starts a fake upstream; `stop` closes it. */
export const startUpstream = async (script: Script = {}): Promise<Upstream> => {
  const scope = await Effect.runPromise(Scope.make())
  const upstream = await Effect.runPromise(Scope.extend(FakeUpstream.make({ script }), scope))
  return {
    upstream,
    deployment: (model, fields = {}) =>
      Deployment.make({
        id: `${model}@fake`,
        provider: "openai-compatible",
        model,
        baseUrl: upstream.baseUrl,
        ...fields
      }),
    stop: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/**
 * A win-rate router that reads the number written in the routed text ("p=0.9") and records every
 * text it was shown, so tests can check what part of a conversation routers see.
 */
export const promptNumberRouter = (): WinRateRouter & { readonly seen: Array<string> } => {
  const seen: Array<string> = []
  return {
    name: "prompt",
    seen,
    winRate: (prompt) =>
      Effect.sync(() => {
        seen.push(prompt)
        return Number(/p=([0-9.]+)/.exec(prompt)?.[1] ?? "0")
      })
  }
}

/** A config built in code: routes by name, RouteLLM names over `strong`/`weak` when both exist. */
export const configOf = (
  routes: Readonly<Record<string, Route<RouterState>>>,
  extra: Partial<RouterConfig> = {}
): RouterConfig => {
  const deployments = new Map<string, Deployment>()
  const collect = (route: Route<RouterState>): void => {
    switch (route._tag) {
      case "Deployment":
        deployments.set(route.deployment.id, route.deployment)
        return
      case "Pipeline":
        for (const d of route.deployments) deployments.set(d.id, d)
        return
      case "Threshold":
        collect(route.strong)
        collect(route.weak)
        return
      case "Fallback":
      case "Hedge":
        route.routes.forEach(collect)
        return
      default:
        return
    }
  }
  Object.values(routes).forEach(collect)
  return {
    deployments,
    routers: new Map(),
    routes,
    defaultRoute: Object.keys(routes)[0] ?? "main",
    conversation: { _tag: "last-user" },
    ...("strong" in routes && "weak" in routes ? { routellm: { strong: "strong", weak: "weak" } } : {}),
    ...extra
  }
}

/** The text of a message list's content pieces of a stream. */
export const collect = async (
  chunks: AsyncIterable<{ choices: Array<{ delta: { content?: string | null } }> }>
) => {
  let text = ""
  for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? ""
  return text
}

/** The error a routed call rejects with; fails the test if the call succeeds. */
export const failureOf = async (call: Promise<unknown>): Promise<RoutedClientError> => {
  try {
    await call
  } catch (error) {
    if (error instanceof RoutedClientError) return error
    throw error
  }
  throw new Error("expected the routed call to fail, but it succeeded")
}
