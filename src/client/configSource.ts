/**
 * Turns what a client is created with into a `RouterConfig`: a file is loaded, a config object is
 * decoded exactly like a file's contents (with the package's routers), a route written in TypeScript becomes a one-route config.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { ConfigError } from "../core/Errors.ts"
import type { RouterConfig } from "../graph/Config.ts"
import * as Config from "../graph/Config.ts"
import { defaultRouterResolver, loadConfig } from "../graph/loadConfig.ts"
import type { RouterState } from "../state/index.ts"
import type { Route } from "../graph/Route.ts"
import { deployments } from "../graph/Route.ts"
import type { RoutedClientSource } from "./layer.ts"

const isLoaded = (source: object): source is RouterConfig =>
  "deployments" in source && source.deployments instanceof Map

const isRouteSource = (
  source: object
): source is { readonly route: Route<RouterState>; readonly name?: string } =>
  "route" in source && typeof source.route === "object" && source.route !== null && "_tag" in source.route

/**
 * A one-route config around a route written in TypeScript.
 * @since 0.1.0
 */
export const fromRoute = (route: Route<RouterState>, name = "default"): RouterConfig => ({
  deployments: new Map(deployments(route).map((deployment) => [deployment.id, deployment])),
  routers: new Map(),
  routes: { [name]: route },
  defaultRoute: name,
  conversation: { _tag: "last-user" }
})

/**
 * The config a source describes.
 * @since 0.1.0
 */
export const configFromSource = (source: RoutedClientSource): Effect.Effect<RouterConfig, ConfigError> => {
  if (typeof source === "string") return loadConfig(source)
  if (isLoaded(source)) return Effect.succeed(source)
  if (isRouteSource(source)) return Effect.succeed(fromRoute(source.route, source.name))
  return Config.fromValue(source, { resolveRouter: defaultRouterResolver })
}
