/**
 * `llm-router route`: print the plan for a prompt without calling any model.
 *
 * @since 0.1.0
 */
import { Args, Command, HelpDoc, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import type { ChatCompletionRequest } from "../../core/ChatCompletion.ts"
import { NoRouteAvailable } from "../../core/Errors.ts"
import { loadConfig } from "../../graph/loadConfig.ts"
import * as Router from "../../graph/Router.ts"
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
    const name = Option.getOrElse(options.route, () => loaded.defaultRoute)
    const selected = Object.hasOwn(loaded.routes, name) ? loaded.routes[name] : undefined
    if (selected === undefined) {
      return yield* new NoRouteAvailable({
        route: name,
        message: `unknown route '${name}'; the config declares ${Object.keys(loaded.routes).join(", ")}`,
        removed: []
      })
    }
    const request: ChatCompletionRequest = {
      model: name,
      messages: [{ role: "user", content: options.prompt }],
      ...Option.match(options.maxTokens, { onNone: () => ({}), onSome: (n) => ({ max_tokens: n }) })
    }
    const plan = yield* Router.plan(selected, request, { name, conversation: loaded.conversation })
    yield* Console.log(
      options.json ? JSON.stringify(Router.planToJson(plan), null, 2) : Router.planToText(plan)
    )
  }).pipe(Effect.provide(State.layerMemory))
).pipe(
  Command.withDescription("Print the routing plan for a prompt, with its reasons, without calling any model")
)
