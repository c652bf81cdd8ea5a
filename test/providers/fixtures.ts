/**
 * Shared test fixtures: deployments pointing at a fake upstream, and a minimal request.
 */
import { Deployment } from "../../src/core/Deployment.ts"
import type { ChatCompletionRequest } from "../../src/core/ChatCompletion.ts"
import type { FakeUpstream } from "../../src/providers/FakeUpstream.ts"

export const deploymentAt = (
  upstream: FakeUpstream,
  model: string,
  extra: Partial<ConstructorParameters<typeof Deployment>[0]> = {}
): Deployment =>
  Deployment.make({
    id: `${model}@fake`,
    provider: "fake",
    model,
    baseUrl: upstream.baseUrl,
    inputCostPerToken: 0.000001,
    outputCostPerToken: 0.000002,
    ...extra
  })

export const request = (
  text = "hello there",
  extra: Partial<ChatCompletionRequest> = {}
): ChatCompletionRequest => ({
  model: "route",
  messages: [{ role: "user", content: text }],
  ...extra
})
