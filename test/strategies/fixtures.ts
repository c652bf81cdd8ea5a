/**
 * Shared builders for the strategy tests: deployments, requests and routing contexts.
 */
import type { ChatCompletionRequest } from "../../src/core/ChatCompletion.ts"
import { Deployment } from "../../src/core/Deployment.ts"
import * as RoutingContext from "../../src/core/RoutingContext.ts"
import type { Candidate, StrategyOutcome } from "../../src/strategies/Strategy.ts"
import { candidate } from "../../src/strategies/Strategy.ts"

export type DeploymentFields = Omit<
  ConstructorParameters<typeof Deployment>[0],
  "id" | "provider" | "model"
> & {
  readonly provider?: Deployment["provider"]
  readonly model?: string
}

export const deployment = (id: string, fields: DeploymentFields = {}): Deployment =>
  Deployment.make({ provider: "openai-compatible", model: "test-model", ...fields, id })

export const request = (
  text: string,
  extra: Partial<Omit<ChatCompletionRequest, "messages">> & {
    readonly messages?: ChatCompletionRequest["messages"]
  } = {}
): ChatCompletionRequest => ({
  model: "auto",
  messages: [{ role: "user", content: text }],
  ...extra
})

export const context = (text: string, extra: Parameters<typeof request>[1] = {}) =>
  RoutingContext.make(request(text, extra))

export const candidates = (...deployments: ReadonlyArray<Deployment>): ReadonlyArray<Candidate> =>
  deployments.map(candidate)

export const ids = (outcome: StrategyOutcome): ReadonlyArray<string> =>
  outcome.candidates.map((c) => c.deployment.id)

export const removedIds = (outcome: StrategyOutcome): ReadonlyArray<string> =>
  outcome.removed.map((r) => r.deployment)

export const reasonFor = (outcome: StrategyOutcome, id: string): string =>
  outcome.removed.find((r) => r.deployment === id)?.reason ?? `(${id} not removed)`

/** `n` words that each encode to one token in both encodings (" hello"). */
export const words = (n: number): string => Array.from({ length: n }, () => "hello").join(" ")
