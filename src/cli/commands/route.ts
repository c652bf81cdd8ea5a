/**
 * `llm-router route`: print the plan for a prompt without calling any model.
 *
 * @since 0.1.0
 */
import { Args, Command, HelpDoc, Options } from "@effect/cli"
import { Console, Effect, Either, Option } from "effect"
import type { ChatCompletionRequest } from "../../core/ChatCompletion.ts"
import { ConfigError } from "../../core/Errors.ts"
import { resolveModel } from "../../graph/LlmRouter.ts"
import { loadConfig } from "../../graph/loadConfig.ts"
import * as Router from "../../graph/Router.ts"
import * as ServerSettings from "../../server/ServerSettings.ts"
import * as State from "../../state/index.ts"
import { integer } from "../options.ts"

const config = Options.file("config", { exists: "yes" }).pipe(
  Options.withAlias("c"),
  Options.withDescription("Router config file (YAML or JSON)")
)
const route = Options.text("route").pipe(
  Options.withDescription("Route to plan (default: the config's default route)"),
  Options.optional
)
const json = Options.boolean("json").pipe(Options.withDescription("Print the plan as JSON"))
// The server rejects a max_tokens that is not positive; a plan for one would price negative tokens.
const maxTokens = integer("max-tokens", { min: 1 }).pipe(
  Options.withDescription("Output tokens the request asks for"),
  Options.optional
)
// An empty prompt is usually an unset shell variable: planning for it would look like a real answer.
const prompt = Args.text({ name: "prompt" }).pipe(
  Args.withDescription("The user prompt to route"),
  Args.mapEffect((text) =>
    text.trim() === ""
      ? Effect.fail(
          HelpDoc.p('the prompt is empty: pass the text to route, e.g. "Prove that √2 is irrational"')
        )
      : Effect.succeed(text)
  )
)

/**
 * The `route` command.
 * @since 0.1.0
 */
export const routeCommand = Command.make("route", { config, route, json, maxTokens, prompt }, (options) =>
  Effect.gen(function* () {
    const loaded = yield* loadConfig(options.config)
    // The whole file is checked as `serve` checks it (the server section's shape; its keys are
    // read from the environment only by `serve`), so a config that plans here also serves.
    const server = ServerSettings.decodeSection(loaded.server)
    if (Either.isLeft(server))
      return yield* new ConfigError({ ...server.left, message: `${options.config}: ${server.left.message}` })
    const name = Option.getOrElse(options.route, () => loaded.defaultRoute)
    // A declared route, or a RouteLLM-style name (`router-mf-0.5`) as the server accepts it. An
    // unknown name is bad input (exit 2), not "no route available".
    const selected = yield* resolveModel(loaded, name).pipe(
      Effect.mapError(
        (error) =>
          new ConfigError({
            path: "--route",
            message: `--route: ${error.message.replace(/^unknown model/, "unknown route")}`
          })
      )
    )
    const request: ChatCompletionRequest = {
      model: name,
      messages: [{ role: "user", content: options.prompt }],
      ...Option.match(options.maxTokens, { onNone: () => ({}), onSome: (n) => ({ max_tokens: n }) })
    }
    const plan = yield* Router.plan(selected.route, request, { name, conversation: loaded.conversation })
    yield* Console.log(
      options.json ? JSON.stringify(Router.planToJson(plan), null, 2) : Router.planToText(plan)
    )
  }).pipe(Effect.provide(State.layerMemory))
).pipe(
  Command.withDescription("Print the routing plan for a prompt, with its reasons, without calling any model")
)
