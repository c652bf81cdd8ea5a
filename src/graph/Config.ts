/**
 * Routing graphs from config files. A JSON or YAML file is decoded with Schema into the very same
 * `Route` values the TypeScript constructors build. Secrets are never inlined: deployments name the
 * environment variable that holds their key (`apiKeyEnv`). Every error names the path of the bad
 * field and what was expected.
 *
 * @example
 * import { Effect } from "effect"
 * import { RouterConfig } from "effect-llm-router"
 *
 * const program = Effect.gen(function* () {
 *   const config = yield* RouterConfig.load("examples/router.config.yaml")
 *   return config.routes[config.defaultRoute]
 * })
 *
 * @since 0.1.0
 */
import { Effect, Either, Schema } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Deployment } from "../core/Deployment.ts"
import type { FailureKind } from "../core/Errors.ts"
import { ConfigError, failureKinds } from "../core/Errors.ts"
import { defaultRetryPolicy } from "../core/Plan.ts"
import type { ConversationPolicy } from "../core/RoutingContext.ts"
import * as Calibration from "../routers/Calibration.ts"
import type { QualityRouter, WinRateRouter } from "../routers/WinRateRouter.ts"
import type { RouterState } from "../state/index.ts"
import {
  ClassifierSpec,
  StrategySpec,
  classifierFromSpec,
  strategyFromSpec
} from "../strategies/fromConfig.ts"
import {
  environmentVariableName,
  inlineKeyMessage,
  inlineKeyOf,
  maxPlanSteps,
  planSteps
} from "./ConfigChecks.ts"
import { configError, decodeAt, joinPath } from "./ConfigDecode.ts"
import * as ConfigText from "./ConfigText.ts"
import type { Route } from "./Route.ts"
import * as R from "./Route.ts"

const FailureKindSchema = Schema.Literal(...failureKinds)

/**
 * How a named router is built: `type` picks the implementation (`mf`, `sw_ranking`, `classifier`,
 * `knn`, `random`, `token-count`, `keyword`), the rest are its options.
 * @since 0.1.0
 */
export const RouterSpec = Schema.Struct(
  {
    type: Schema.NonEmptyString,
    weights: Schema.optionalWith(Schema.String, { exact: true }),
    embedder: Schema.optionalWith(Schema.String, { exact: true })
  },
  { key: Schema.String, value: Schema.Unknown }
)
/** @since 0.1.0 */
export type RouterSpec = typeof RouterSpec.Type

/**
 * A router built from a spec: it scores win rates, and may also predict per-model quality.
 * @since 0.1.0
 */
export type ResolvedRouter = WinRateRouter & Partial<Omit<QualityRouter, "name">>

/**
 * Builds routers from specs; `baseDir` is the config file's folder, for relative weight paths.
 * @since 0.1.0
 */
export type RouterResolver = (
  name: string,
  spec: RouterSpec,
  context: { readonly path: string; readonly baseDir: string }
) => Effect.Effect<ResolvedRouter, ConfigError>

const ConversationSpec = Schema.Union(
  Schema.Literal("last-user", "first-user"),
  Schema.Struct({ conversation: Schema.Struct({ maxTokens: Schema.Int.pipe(Schema.positive()) }) })
)

const TopLevel = Schema.Struct({
  version: Schema.optionalWith(Schema.Literal(1), { exact: true }),
  conversation: Schema.optionalWith(ConversationSpec, { exact: true }),
  deployments: Schema.Array(Schema.Unknown),
  routers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), { exact: true }),
  routes: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  default: Schema.optionalWith(Schema.String, { exact: true }),
  routellm: Schema.optionalWith(Schema.Struct({ strong: Schema.String, weak: Schema.String }), {
    exact: true
  }),
  server: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), { exact: true })
})

const Ms = Schema.Number.pipe(Schema.nonNegative())
const Probability = Schema.Number.pipe(Schema.between(0, 1))

const nodeSchemas = {
  deployment: Schema.String,
  route: Schema.String,
  pipeline: Schema.Struct({
    deployments: Schema.Array(Schema.String),
    strategies: Schema.optionalWith(Schema.Array(Schema.Unknown), { exact: true }),
    maxAttempts: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })
  }),
  loadBalance: Schema.Struct({ strategy: Schema.Unknown, targets: Schema.NonEmptyArray(Schema.Unknown) }),
  threshold: Schema.Struct({
    router: Schema.String,
    threshold: Probability,
    // Online: move the threshold so that served requests hold a strong fraction or a spend rate.
    adaptive: Schema.optionalWith(
      Schema.Union(
        Schema.Struct({
          strongFraction: Probability,
          gain: Schema.optionalWith(Schema.Number.pipe(Schema.positive(), Schema.lessThanOrEqualTo(0.5)), {
            exact: true
          })
        }),
        Schema.Struct({
          costPerRequest: Schema.Number.pipe(Schema.nonNegative()),
          strongCost: Schema.Number.pipe(Schema.nonNegative()),
          weakCost: Schema.Number.pipe(Schema.nonNegative()),
          gain: Schema.optionalWith(Schema.Number.pipe(Schema.positive(), Schema.lessThanOrEqualTo(0.5)), {
            exact: true
          })
        })
      ),
      { exact: true }
    ),
    strong: Schema.Unknown,
    weak: Schema.Unknown
  }),
  select: Schema.Struct({
    router: Schema.String,
    lambda: Schema.Number.pipe(Schema.nonNegative()),
    options: Schema.Record({ key: Schema.String, value: Schema.Unknown })
  }),
  branch: Schema.Struct({
    classifier: Schema.Unknown,
    routes: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
    otherwise: Schema.optionalWith(Schema.String, { exact: true })
  }),
  // `fallback: [a, b]`, or `fallback: { routes: [a, b], on: [...] }` (decoded apart, for clear errors)
  fallback: Schema.NonEmptyArray(Schema.Unknown),
  fallbackWith: Schema.Struct({
    routes: Schema.NonEmptyArray(Schema.Unknown),
    on: Schema.optionalWith(Schema.Array(FailureKindSchema), { exact: true })
  }),
  retry: Schema.Struct({
    route: Schema.Unknown,
    times: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 10)), { exact: true }),
    baseDelayMs: Schema.optionalWith(Ms, { exact: true }),
    maxDelayMs: Schema.optionalWith(Ms, { exact: true }),
    jitter: Schema.optionalWith(Probability, { exact: true }),
    retryOn: Schema.optionalWith(Schema.Array(FailureKindSchema), { exact: true }),
    honourRetryAfter: Schema.optionalWith(Schema.Boolean, { exact: true })
  }),
  timeout: Schema.Struct({ route: Schema.Unknown, ms: Schema.Number.pipe(Schema.positive()) }),
  hedge: Schema.Struct({ delayMs: Ms, routes: Schema.NonEmptyArray(Schema.Unknown) })
} as const

type NodeKind = Exclude<keyof typeof nodeSchemas, "fallbackWith">
const nodeKinds = Object.keys(nodeSchemas).filter(
  (kind) => kind !== "fallbackWith"
) as ReadonlyArray<NodeKind>

/**
 * A config file, decoded and resolved.
 * @since 0.1.0
 */
export interface RouterConfig {
  readonly deployments: ReadonlyMap<string, Deployment>
  readonly routers: ReadonlyMap<string, ResolvedRouter>
  readonly routes: Readonly<Record<string, Route<RouterState>>>
  readonly defaultRoute: string
  readonly conversation: ConversationPolicy
  /** The routes RouteLLM-style names (`router-mf-0.116`) route between. */
  readonly routellm?: { readonly strong: string; readonly weak: string }
  /** The `server` section, validated by the server module. */
  readonly server?: Readonly<Record<string, unknown>>
}

interface Env {
  readonly deployments: ReadonlyMap<string, Deployment>
  readonly routers: ReadonlyMap<string, ResolvedRouter>
  readonly routeSpecs: Readonly<Record<string, unknown>>
  readonly resolved: Map<string, Route<RouterState>>
  readonly resolving: Array<string>
}

const fromEither = <A>(either: Either.Either<A, ConfigError>): Effect.Effect<A, ConfigError> =>
  Either.isLeft(either) ? Effect.fail(either.left) : Effect.succeed(either.right)

const lookupDeployment = (env: Env, id: string, at: string) => {
  const deployment = env.deployments.get(id)
  return deployment === undefined
    ? Effect.fail(
        configError(
          at,
          `unknown deployment '${id}'; declared deployments: ${[...env.deployments.keys()].join(", ")}`
        )
      )
    : Effect.succeed(deployment)
}

const lookupRouter = (env: Env, name: string, at: string) => {
  const router = env.routers.get(name)
  return router === undefined
    ? Effect.fail(
        configError(
          at,
          `unknown router '${name}'; declared routers: ${[...env.routers.keys()].join(", ") || "none"}`
        )
      )
    : Effect.succeed(router)
}

const buildRoute = (env: Env, spec: unknown, at: string): Effect.Effect<Route<RouterState>, ConfigError> =>
  Effect.gen(function* () {
    if (typeof spec === "string") return R.deployment(yield* lookupDeployment(env, spec, at))
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
      return yield* configError(
        at,
        `expected a route: a deployment id or an object with one of ${nodeKinds.join(", ")}`
      )
    }
    const keys = Object.keys(spec)
    const kind = keys[0] as NodeKind | undefined
    if (keys.length !== 1 || kind === undefined || !nodeKinds.includes(kind)) {
      return yield* configError(
        at,
        `expected exactly one of ${nodeKinds.join(", ")}; got ${keys.length === 0 ? "an empty object" : keys.map((k) => `'${k}'`).join(", ")}`
      )
    }
    const here = joinPath(at, kind)
    const value: unknown = (spec as Record<string, unknown>)[kind]
    switch (kind) {
      case "deployment": {
        const id = yield* fromEither(decodeAt(nodeSchemas.deployment, value, here))
        return R.deployment(yield* lookupDeployment(env, id, here))
      }
      case "route": {
        const name = yield* fromEither(decodeAt(nodeSchemas.route, value, here))
        return yield* namedRoute(env, name, here)
      }
      case "pipeline": {
        const node = yield* fromEither(decodeAt(nodeSchemas.pipeline, value, here))
        if (node.deployments.length === 0) {
          // It would only fail later, on every request, with "no deployment can serve route".
          return yield* configError(joinPath(here, "deployments"), "a pipeline needs at least one deployment")
        }
        const deployments = yield* Effect.forEach(node.deployments, (id, i) =>
          lookupDeployment(env, id, joinPath(joinPath(here, "deployments"), i))
        )
        const strategies = yield* Effect.forEach(node.strategies ?? [], (s, i) =>
          fromEither(decodeAt(StrategySpec, s, joinPath(joinPath(here, "strategies"), i))).pipe(
            Effect.map(strategyFromSpec)
          )
        )
        return R.pipeline(
          deployments,
          strategies,
          node.maxAttempts === undefined ? {} : { maxAttempts: node.maxAttempts }
        )
      }
      case "loadBalance": {
        const node = yield* fromEither(decodeAt(nodeSchemas.loadBalance, value, here))
        const strategy = strategyFromSpec(
          yield* fromEither(decodeAt(StrategySpec, node.strategy, joinPath(here, "strategy")))
        )
        const targets = yield* Effect.forEach(node.targets, (t, i) =>
          buildRoute(env, t, joinPath(joinPath(here, "targets"), i))
        )
        return R.loadBalance(strategy, targets)
      }
      case "threshold": {
        const node = yield* fromEither(decodeAt(nodeSchemas.threshold, value, here))
        const router = yield* lookupRouter(env, node.router, joinPath(here, "router"))
        const strong = yield* buildRoute(env, node.strong, joinPath(here, "strong"))
        const weak = yield* buildRoute(env, node.weak, joinPath(here, "weak"))
        const { adaptive } = node
        if (
          adaptive !== undefined &&
          "strongCost" in adaptive &&
          !(adaptive.strongCost > adaptive.weakCost)
        ) {
          return yield* configError(
            joinPath(here, "adaptive"),
            `strongCost (${adaptive.strongCost}) must be above weakCost (${adaptive.weakCost}) for a spend target`
          )
        }
        const controller =
          adaptive === undefined
            ? undefined
            : yield* Calibration.makeController({
                target:
                  "strongCost" in adaptive
                    ? {
                        costPerRequest: adaptive.costPerRequest,
                        strongCost: adaptive.strongCost,
                        weakCost: adaptive.weakCost
                      }
                    : { strongFraction: adaptive.strongFraction },
                initialThreshold: node.threshold,
                ...(adaptive.gain === undefined ? {} : { gain: adaptive.gain })
              })
        return R.threshold({
          router,
          threshold: node.threshold,
          ...(controller === undefined ? {} : { adaptive: controller }),
          strong,
          weak
        })
      }
      case "select": {
        const node = yield* fromEither(decodeAt(nodeSchemas.select, value, here))
        const router = yield* lookupRouter(env, node.router, joinPath(here, "router"))
        if (router.predict === undefined || router.models === undefined) {
          return yield* configError(
            joinPath(here, "router"),
            `router '${node.router}' (${router.name}) predicts only a win rate; 'select' needs a quality router such as mf`
          )
        }
        const qualityRouter: QualityRouter = {
          name: router.name,
          models: router.models,
          predict: router.predict
        }
        const options: Record<string, Route<RouterState>> = {}
        for (const [key, option] of Object.entries(node.options)) {
          if (!qualityRouter.models.includes(key)) {
            return yield* configError(
              joinPath(joinPath(here, "options"), key),
              `router '${node.router}' does not score model '${key}'; it knows ${qualityRouter.models.join(", ")}`
            )
          }
          options[key] = yield* buildRoute(env, option, joinPath(joinPath(here, "options"), key))
        }
        return R.select({ router: qualityRouter, lambda: node.lambda, options })
      }
      case "branch": {
        const node = yield* fromEither(decodeAt(nodeSchemas.branch, value, here))
        const spec = yield* fromEither(
          decodeAt(ClassifierSpec, node.classifier, joinPath(here, "classifier"))
        )
        const classifier = yield* classifierFromSpec(spec).pipe(
          Effect.mapError((e) => configError(joinPath(here, "classifier"), e.message))
        )
        const routes: Record<string, Route<RouterState>> = {}
        for (const [key, option] of Object.entries(node.routes)) {
          routes[key] = yield* buildRoute(env, option, joinPath(joinPath(here, "routes"), key))
        }
        // Own keys only: `otherwise: constructor` must not find Object.prototype.constructor.
        if (node.otherwise !== undefined && !Object.hasOwn(routes, node.otherwise)) {
          return yield* configError(
            joinPath(here, "otherwise"),
            `'${node.otherwise}' is not one of the branch's routes`
          )
        }
        const missing = classifier.choices.filter((choice) => !Object.hasOwn(routes, choice))
        if (missing.length > 0 && node.otherwise === undefined) {
          return yield* configError(
            joinPath(here, "routes"),
            `the classifier can choose ${missing.map((m) => `'${m}'`).join(", ")}, which ${missing.length === 1 ? "has" : "have"} no route; add ${missing.length === 1 ? "it" : "them"} or set 'otherwise'`
          )
        }
        return R.branch(classifier, routes, node.otherwise === undefined ? {} : { otherwise: node.otherwise })
      }
      case "fallback": {
        const node = Array.isArray(value)
          ? { routes: yield* fromEither(decodeAt(nodeSchemas.fallback, value, here)) }
          : yield* fromEither(decodeAt(nodeSchemas.fallbackWith, value, here))
        const base = Array.isArray(value) ? here : joinPath(here, "routes")
        const routes = yield* Effect.forEach(node.routes, (r, i) => buildRoute(env, r, joinPath(base, i)))
        const on: ReadonlyArray<FailureKind> | undefined = "on" in node ? node.on : undefined
        return R.fallback(routes, on === undefined ? {} : { on })
      }
      case "retry": {
        const { route, ...policy } = yield* fromEither(decodeAt(nodeSchemas.retry, value, here))
        return R.retry(yield* buildRoute(env, route, joinPath(here, "route")), {
          ...defaultRetryPolicy,
          ...policy
        })
      }
      case "timeout": {
        const node = yield* fromEither(decodeAt(nodeSchemas.timeout, value, here))
        return R.timeout(yield* buildRoute(env, node.route, joinPath(here, "route")), node.ms)
      }
      case "hedge": {
        const node = yield* fromEither(decodeAt(nodeSchemas.hedge, value, here))
        const routes = yield* Effect.forEach(node.routes, (r, i) =>
          buildRoute(env, r, joinPath(joinPath(here, "routes"), i))
        )
        return R.hedge(node.delayMs, routes)
      }
    }
  })

const namedRoute = (env: Env, name: string, at: string): Effect.Effect<Route<RouterState>, ConfigError> =>
  Effect.gen(function* () {
    const done = env.resolved.get(name)
    if (done !== undefined) return done
    if (!Object.hasOwn(env.routeSpecs, name)) {
      return yield* configError(
        at,
        `unknown route '${name}'; declared routes: ${Object.keys(env.routeSpecs).join(", ")}`
      )
    }
    if (env.resolving.includes(name)) {
      return yield* configError(
        at,
        `route '${name}' refers to itself: ${[...env.resolving, name].join(" → ")}`
      )
    }
    env.resolving.push(name)
    const route = yield* buildRoute(env, env.routeSpecs[name], joinPath("routes", name))
    env.resolving.pop()
    env.resolved.set(name, route)
    return route
  })

/**
 * Decodes and resolves a parsed config value (the content of a JSON/YAML file).
 * @since 0.1.0
 */
export const fromValue = Effect.fn("RouterConfig.fromValue")(function* (
  input: unknown,
  options: { readonly resolveRouter: RouterResolver; readonly baseDir?: string }
) {
  if (input === null || input === undefined) {
    return yield* configError("", "the config is empty; it needs at least 'deployments' and 'routes'")
  }
  if (typeof input !== "object" || Array.isArray(input)) {
    return yield* configError(
      "",
      `expected a mapping with 'deployments' and 'routes', got ${Array.isArray(input) ? "a list" : `a ${typeof input}`}`
    )
  }
  const top = yield* fromEither(decodeAt(TopLevel, input, ""))
  const deployments = new Map<string, Deployment>()
  for (const [index, raw] of top.deployments.entries()) {
    const at = joinPath("deployments", index)
    const inlineKey = inlineKeyOf(raw)
    if (inlineKey !== undefined) return yield* configError(joinPath(at, inlineKey), inlineKeyMessage)
    if (
      typeof raw === "object" &&
      raw !== null &&
      "apiKeyEnv" in raw &&
      typeof raw.apiKeyEnv === "string" &&
      !environmentVariableName.test(raw.apiKeyEnv)
    ) {
      // Not echoed: a value that is not a variable name is most likely the key itself.
      return yield* configError(
        joinPath(at, "apiKeyEnv"),
        "expected the name of an environment variable (letters, digits and '_', not starting with a digit), not the key itself (the value is not shown)"
      )
    }
    const deployment = yield* fromEither(decodeAt(Deployment, raw, at))
    if (deployments.has(deployment.id))
      return yield* configError(joinPath(at, "id"), `duplicate deployment id '${deployment.id}'`)
    deployments.set(deployment.id, deployment)
  }
  const routers = new Map<string, ResolvedRouter>()
  for (const [name, raw] of Object.entries(top.routers ?? {})) {
    const at = joinPath("routers", name)
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      return yield* configError(
        at,
        "expected a router spec like { type: mf } with optional weights and embedder"
      )
    }
    const spec = yield* fromEither(decodeAt(RouterSpec, raw, at))
    routers.set(
      name,
      yield* options.resolveRouter(name, spec, { path: at, baseDir: options.baseDir ?? process.cwd() })
    )
  }
  const env: Env = { deployments, routers, routeSpecs: top.routes, resolved: new Map(), resolving: [] }
  const names = Object.keys(top.routes)
  if (names.length === 0) return yield* configError("routes", "declare at least one route")
  for (const name of names) yield* namedRoute(env, name, joinPath("routes", name))
  for (const name of names) {
    const steps = planSteps(env.resolved.get(name)!)
    if (steps > maxPlanSteps) {
      return yield* configError(
        joinPath("routes", name),
        `the route would plan ${steps > 1e15 ? "more than 10^15" : steps} steps (each use of a named route copies it into the plan, so routes that use each other several times multiply); a route may plan at most ${maxPlanSteps}`
      )
    }
  }
  const defaultRoute = top.default ?? names[0]!
  if (!Object.hasOwn(top.routes, defaultRoute))
    return yield* configError("default", `unknown route '${defaultRoute}'`)
  for (const [side, name] of Object.entries(top.routellm ?? {})) {
    if (!Object.hasOwn(top.routes, name))
      return yield* configError(joinPath("routellm", side), `unknown route '${name}'`)
  }
  const conversation: ConversationPolicy =
    top.conversation === undefined || top.conversation === "last-user"
      ? { _tag: "last-user" }
      : top.conversation === "first-user"
        ? { _tag: "first-user" }
        : { _tag: "conversation", maxTokens: top.conversation.conversation.maxTokens }
  const config: RouterConfig = {
    deployments,
    routers,
    routes: Object.fromEntries(env.resolved),
    defaultRoute,
    conversation,
    ...(top.routellm === undefined ? {} : { routellm: top.routellm }),
    ...(top.server === undefined ? {} : { server: top.server })
  }
  return config
})

/**
 * Parses config text (see `ConfigText.parseText`).
 * @since 0.1.0
 */
export const parseText = ConfigText.parseText

/**
 * Reads, parses, decodes and resolves a config file.
 * @since 0.1.0
 */
export const loadWith = Effect.fn("RouterConfig.load")(function* (
  file: string,
  resolveRouter: RouterResolver
) {
  const text = yield* Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (cause) =>
      new ConfigError({
        path: file,
        message: `cannot read config file ${file}: ${(cause as Error).message}`,
        cause
      })
  })
  const value = yield* fromEither(parseText(text, file))
  return yield* fromValue(value, { resolveRouter, baseDir: path.dirname(path.resolve(file)) }).pipe(
    Effect.mapError((error) => new ConfigError({ ...error, message: `${file}: ${error.message}` }))
  )
})
