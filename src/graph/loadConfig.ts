/**
 * Loading a config file with the package's own routers: `RouterConfig.loadWith` plus the default
 * router resolver, which builds routers by `type` from the router registry.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { ConfigError } from "../core/Errors.ts"
import * as KeywordWinRate from "../routers/KeywordWinRate.ts"
import * as RandomRouter from "../routers/RandomRouter.ts"
import * as TokenCountWinRate from "../routers/TokenCountWinRate.ts"
import type { RouterConfig, RouterResolver } from "./Config.ts"
import { loadWith } from "./Config.ts"
import { configError } from "./ConfigDecode.ts"

/**
 * Builds a router from its spec with the routers this package ships.
 * @since 0.1.0
 */
export const defaultRouterResolver: RouterResolver = (name, spec, context) => {
  switch (spec.type) {
    case "random":
      return Effect.succeed({ ...RandomRouter.make(typeof spec.seed === "number" ? { seed: spec.seed } : {}), name })
    case "keyword":
      return Effect.succeed({ ...KeywordWinRate.make(), name })
    case "token-count":
      return Effect.succeed({ ...TokenCountWinRate.make(), name })
    default:
      return Effect.fail(
        configError(joinType(context.path), `unknown router type '${spec.type}'; known: random, keyword, token-count`)
      )
  }
}

const joinType = (path: string) => `${path}.type`

/**
 * Reads, decodes and resolves a router config file with the default routers.
 * @since 0.1.0
 */
export const loadConfig = (file: string): Effect.Effect<RouterConfig, ConfigError> =>
  loadWith(file, defaultRouterResolver)
