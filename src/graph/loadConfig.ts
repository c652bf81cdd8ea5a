/**
 * Loading a config file with the package's own routers: `RouterConfig.loadWith` plus the default
 * router resolver, which builds routers by `type` from the router registry (shipped weights and
 * embedders by default: offline, no API key).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import * as path from "node:path"
import type { ConfigError } from "../core/Errors.ts"
import type { RouterOptions } from "../routers/RouterRegistry.ts"
import { makeRouter, routerNames } from "../routers/RouterRegistry.ts"
import type { QualityRouter } from "../routers/WinRateRouter.ts"
import type { ResolvedRouter, RouterConfig, RouterResolver } from "./Config.ts"
import { loadWith } from "./Config.ts"
import { configError, decodeAt } from "./ConfigDecode.ts"

const RouterOptionsSpec = Schema.Struct({
  type: Schema.Literal(...routerNames),
  weights: Schema.optionalWith(Schema.NonEmptyString, { exact: true }),
  embedder: Schema.optionalWith(Schema.NonEmptyString, { exact: true }),
  strongModel: Schema.optionalWith(Schema.NonEmptyString, { exact: true }),
  weakModel: Schema.optionalWith(Schema.NonEmptyString, { exact: true }),
  seed: Schema.optionalWith(Schema.Int, { exact: true })
})

const isQualityRouter = (router: object): router is QualityRouter =>
  "predict" in router && "models" in router && Array.isArray(router.models)

/**
 * Builds a router from its spec with the routers this package ships (`mf`, `sw_ranking`,
 * `classifier`, `knn`, `random`, `token-count`, `keyword`). Relative weight paths are read from the
 * config file's folder.
 * @since 0.1.0
 */
export const defaultRouterResolver: RouterResolver = (name, spec, context) =>
  Effect.gen(function* () {
    const decoded = yield* decodeAt(RouterOptionsSpec, spec, context.path)
    const { type, weights, ...rest } = decoded
    const options: RouterOptions = {
      ...rest,
      ...(weights === undefined ? {} : { weights: path.resolve(context.baseDir, weights) })
    }
    const router = yield* makeRouter(type, options).pipe(
      Effect.mapError((error) =>
        configError(context.path, `cannot build router '${name}' (${type}): ${error.message}`)
      )
    )
    const resolved: ResolvedRouter = isQualityRouter(router)
      ? { name, winRate: router.winRate, predict: router.predict, models: router.models }
      : { name, winRate: router.winRate }
    return resolved
  })

/**
 * Reads, decodes and resolves a router config file with the default routers.
 * @since 0.1.0
 */
export const loadConfig = (file: string): Effect.Effect<RouterConfig, ConfigError> =>
  loadWith(file, defaultRouterResolver)
