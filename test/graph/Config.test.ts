import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { ConfigError } from "../../src/core/Errors.ts"
import { attempts } from "../../src/core/Plan.ts"
import type { RouterResolver } from "../../src/graph/Config.ts"
import * as RouterConfig from "../../src/graph/Config.ts"
import * as Router from "../../src/graph/Router.ts"
import * as State from "../../src/state/index.ts"

/** Resolves any router spec to one whose win rate is the `p=` number written in the prompt. */
const resolveRouter: RouterResolver = (name, spec) =>
  spec.type === "fixed"
    ? Effect.succeed({
        name,
        winRate: (prompt: string) => Effect.succeed(Number(/p=([0-9.]+)/.exec(prompt)?.[1] ?? "0"))
      })
    : Effect.fail({
        _tag: "ConfigError",
        path: "",
        message: `unknown router type ${spec.type}`
      } as ConfigError)

const deployments = [
  { id: "big@a", provider: "openai-compatible", model: "big", apiKeyEnv: "A_KEY", contextWindow: 8000 },
  { id: "big@b", provider: "openai-compatible", model: "big", contextWindow: 128000 },
  {
    id: "small@a",
    provider: "openai-compatible",
    model: "small",
    inputCostPerToken: 1e-7,
    outputCostPerToken: 1e-7
  }
]

const good = {
  version: 1,
  deployments,
  routers: { fixed: { type: "fixed" } },
  routellm: { strong: "strong", weak: "weak" },
  routes: {
    strong: {
      pipeline: { deployments: ["big@a", "big@b"], strategies: [{ type: "contextWindow" }, { type: "cost" }] }
    },
    weak: "small@a",
    main: {
      fallback: [
        {
          retry: {
            times: 1,
            route: {
              threshold: {
                router: "fixed",
                threshold: 0.5,
                strong: { route: "strong" },
                weak: { route: "weak" }
              }
            }
          }
        },
        { timeout: { ms: 5000, route: { hedge: { delayMs: 100, routes: ["big@b", "small@a"] } } } }
      ]
    },
    byLength: {
      branch: {
        classifier: { type: "tokenCount", bands: [{ upTo: 50, route: "short" }], otherwise: "long" },
        routes: { short: "small@a", long: { route: "strong" } }
      }
    }
  },
  default: "main"
}

const decode = (value: unknown) =>
  Effect.runPromise(Effect.either(RouterConfig.fromValue(value, { resolveRouter })))

const errorOf = async (value: unknown): Promise<ConfigError> => {
  const result = await decode(value)
  if (Either.isRight(result)) throw new Error("expected the config to be rejected")
  return result.left
}

const withRoute = (route: unknown) => ({ ...good, routes: { ...good.routes, main: route } })

describe("RouterConfig", () => {
  it("decodes a config into routes that plan like hand-built ones", async () => {
    const config = Either.getOrThrow(await decode(good))
    expect(config.defaultRoute).toBe("main")
    expect([...config.deployments.keys()]).toEqual(["big@a", "big@b", "small@a"])
    const plan = await Effect.runPromise(
      Router.plan(config.routes.main!, {
        model: "main",
        messages: [{ role: "user", content: "p=0.9 hard question" }]
      }).pipe(Effect.provide(State.layerMemory))
    )
    // strong pipeline ordered by cost (big@a and big@b have no explicit prices: same model, same table price),
    // then the hedged fallback.
    expect(
      attempts(plan.root)
        .map((a) => a.deployment.id)
        .slice(-2)
    ).toEqual(["big@b", "small@a"])
    expect(plan.strong).toBe(true)
    expect(plan.root._tag).toBe("Sequence")
  })

  it("branches on token count from config", async () => {
    const config = Either.getOrThrow(await decode(good))
    const plan = await Effect.runPromise(
      Router.plan(config.routes.byLength!, {
        model: "byLength",
        messages: [{ role: "user", content: "hi" }]
      }).pipe(Effect.provide(State.layerMemory))
    )
    expect(attempts(plan.root).map((a) => a.deployment.id)).toEqual(["small@a"])
  })

  it("names the path of a bad field and what was expected", async () => {
    const error = await errorOf(
      withRoute({ threshold: { router: "fixed", threshold: "high", strong: "big@a", weak: "small@a" } })
    )
    expect(error.path).toBe("routes.main.threshold.threshold")
    expect(error.message).toMatch(/number/i)
  })

  it("builds an adaptive threshold from its target, and names a bad target", async () => {
    const adaptive = (target: unknown) =>
      withRoute({
        threshold: { router: "fixed", threshold: 0.4, adaptive: target, strong: "big@a", weak: "small@a" }
      })
    const config = Either.getOrThrow(await decode(adaptive({ strongFraction: 0.3, gain: 0.05 })))
    const route = config.routes.main!
    expect(route._tag).toBe("Threshold")
    if (route._tag !== "Threshold" || route.adaptive === undefined)
      throw new Error("expected an adaptive threshold")
    const state = await Effect.runPromise(route.adaptive.state)
    expect(state).toEqual({ threshold: 0.4, decisions: 0, strongDecisions: 0 })
    // One decision above the threshold moves it up by gain × (1 − target).
    await Effect.runPromise(route.adaptive.decide(0.9))
    expect((await Effect.runPromise(route.adaptive.state)).threshold).toBeCloseTo(0.4 + 0.05 * 0.7, 12)
    expect(
      Either.isRight(await decode(adaptive({ costPerRequest: 0.002, strongCost: 0.01, weakCost: 0.001 })))
    ).toBe(true)

    const fraction = await errorOf(adaptive({ strongFraction: 1.5 }))
    expect(fraction.path).toBe("routes.main.threshold.adaptive.strongFraction")
    const costs = await errorOf(adaptive({ costPerRequest: 0.002, strongCost: 0.001, weakCost: 0.001 }))
    expect(costs.path).toBe("routes.main.threshold.adaptive")
    expect(costs.message).toContain("strongCost (0.001) must be above weakCost (0.001)")
  })

  it("rejects unknown deployments, routers and routes with what is declared", async () => {
    const unknownDeployment = await errorOf(withRoute({ fallback: ["big@a", "nope@x"] }))
    expect(unknownDeployment.path).toBe("routes.main.fallback[1]")
    expect(unknownDeployment.message).toContain("unknown deployment 'nope@x'")
    expect(unknownDeployment.message).toContain("big@a, big@b, small@a")

    const unknownRouter = await errorOf(
      withRoute({ threshold: { router: "mf", threshold: 0.2, strong: "big@a", weak: "small@a" } })
    )
    expect(unknownRouter.path).toBe("routes.main.threshold.router")

    const unknownRoute = await errorOf(withRoute({ route: "elsewhere" }))
    expect(unknownRoute.message).toContain("unknown route 'elsewhere'")
  })

  it("rejects a route that refers to itself", async () => {
    const error = await errorOf({
      ...good,
      routes: { a: { route: "b" }, b: { fallback: ["big@a", { route: "a" }] } },
      default: "a"
    })
    expect(error.message).toContain("refers to itself")
  })

  it("rejects inlined API keys and tells where keys go", async () => {
    const error = await errorOf({ ...good, deployments: [{ ...deployments[0], apiKey: "sk-live-123" }] })
    expect(error.path).toBe("deployments[0].apiKey")
    expect(error.message).toContain("apiKeyEnv")
    expect(error.message).not.toContain("sk-live-123")
  })

  it("rejects unknown node kinds, several keys, and bad strategy specs", async () => {
    expect((await errorOf(withRoute({ roundRobin: ["big@a"] }))).message).toContain("expected exactly one of")
    expect((await errorOf(withRoute({ fallback: ["big@a"], retry: {} }))).message).toContain(
      "'fallback', 'retry'"
    )
    const badStrategy = await errorOf(
      withRoute({ pipeline: { deployments: ["big@a"], strategies: [{ type: "fastest" }] } })
    )
    expect(badStrategy.path.startsWith("routes.main.pipeline.strategies[0]")).toBe(true)
  })

  it("lists every allowed value when a field takes one of several literals", async () => {
    const error = await errorOf(withRoute({ fallback: { routes: ["big@a"], on: ["Timeout", "Overloaded"] } }))
    expect(error.path).toBe("routes.main.fallback.on[1]")
    expect(error.message).toContain('"RateLimited" | "Timeout" | "Unavailable"')
    expect(error.message).toContain('actual "Overloaded"')
  })

  it("rejects bad deployments with the field path", async () => {
    const error = await errorOf({ ...good, deployments: [{ ...deployments[0], contextWindow: -5 }] })
    expect(error.path).toBe("deployments[0].contextWindow")
  })

  it("loads YAML and JSON files and reports syntax errors with the file name", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "router-config-"))
    const json = path.join(dir, "router.json")
    fs.writeFileSync(json, JSON.stringify(good))
    const loaded = await Effect.runPromise(RouterConfig.loadWith(json, resolveRouter))
    expect(Object.keys(loaded.routes).sort()).toEqual(["byLength", "main", "strong", "weak"])

    const yaml = path.join(dir, "broken.yaml")
    fs.writeFileSync(yaml, "routes:\n  main: [unclosed\n")
    const broken = await Effect.runPromise(Effect.flip(RouterConfig.loadWith(yaml, resolveRouter)))
    expect(broken.message).toContain("broken.yaml")
    expect(broken.message).toContain("invalid YAML")

    const missing = await Effect.runPromise(
      Effect.flip(RouterConfig.loadWith(path.join(dir, "none.yaml"), resolveRouter))
    )
    expect(missing.message).toContain("cannot read config file")
  })
})

describe("RouterConfig: adversarial files", () => {
  const writeConfig = (name: string, text: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "router-config-"))
    const file = path.join(dir, name)
    fs.writeFileSync(file, text)
    return file
  }
  const loadError = (file: string) =>
    Effect.runPromise(Effect.flip(RouterConfig.loadWith(file, resolveRouter)))
  const validYaml = "deployments:\n  - { id: a@x, provider: p, model: a }\nroutes:\n  main: a@x\n"

  it("reports YAML aliases that cannot be expanded as invalid YAML, not as a crash", async () => {
    const undefinedAnchor = await loadError(writeConfig("alias.yaml", validYaml + "  other: *nowhere\n"))
    expect(undefinedAnchor.message).toMatch(/alias\.yaml: invalid YAML: .*nowhere/)

    const laughs = ["x0: &a0 [a@x, a@x, a@x, a@x, a@x, a@x, a@x, a@x, a@x]"]
    for (let i = 1; i < 6; i++)
      laughs.push(
        `x${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(", ")}]`
      )
    const exhaustion = await loadError(writeConfig("laughs.yaml", `${validYaml}${laughs.join("\n")}\n`))
    expect(exhaustion.message).toContain("laughs.yaml: invalid YAML")
  })

  it("says that a config is empty, or not a mapping, in one line", async () => {
    for (const [name, text] of [
      ["empty.yaml", ""],
      ["comment.yaml", "# nothing yet\n"]
    ] as const) {
      const file = writeConfig(name, text)
      expect((await loadError(file)).message).toBe(
        `${file}: (root): the config is empty; it needs at least 'deployments' and 'routes'`
      )
    }
    expect((await errorOf("routes: main")).message).toBe(
      "(root): expected a mapping with 'deployments' and 'routes', got a string"
    )
    expect((await errorOf([good])).message).toContain("got a list")
  })

  it("rejects a JSON key written twice instead of keeping the last one", async () => {
    const text = `{"deployments": ${JSON.stringify(deployments)},\n "routes": {"main": "big@a"},\n "routes": {"other": "small@a"}}`
    const error = await loadError(writeConfig("twice.json", text))
    expect(error.message).toContain(
      'twice.json: invalid JSON: the key "routes" is written twice in one object (line 3'
    )
  })

  it("reads a JSON file that starts with a byte order mark", async () => {
    const file = writeConfig("bom.json", `\uFEFF${JSON.stringify(good)}`)
    const loaded = await Effect.runPromise(RouterConfig.loadWith(file, resolveRouter))
    expect(loaded.defaultRoute).toBe("main")
  })

  it("never echoes what looks like a key, and rejects keys in credential headers", async () => {
    const keyAsName = await errorOf({
      ...good,
      deployments: [{ ...deployments[0], apiKeyEnv: "sk-live-123" }]
    })
    expect(keyAsName.path).toBe("deployments[0].apiKeyEnv")
    expect(keyAsName.message).toContain("name of an environment variable")
    expect(keyAsName.message).not.toContain("sk-live-123")

    const header = await errorOf({
      ...good,
      deployments: [{ ...deployments[0], headers: { "x-tenant": "t1", Authorization: "Bearer sk-live-123" } }]
    })
    expect(header.path).toBe("deployments[0].headers.Authorization")
    expect(header.message).toContain("apiKeyEnv")
    expect(header.message).not.toContain("sk-live-123")
  })

  it("checks a branch's routes against its own keys only", async () => {
    const error = await errorOf(
      withRoute({
        branch: {
          classifier: { type: "tokenCount", bands: [{ upTo: 50, route: "short" }], otherwise: "long" },
          routes: { long: "big@a" },
          otherwise: "constructor"
        }
      })
    )
    expect(error.path).toBe("routes.main.branch.otherwise")
  })

  it("rejects a pipeline without deployments when loading, not on every request", async () => {
    const error = await errorOf(withRoute({ pipeline: { deployments: [] } }))
    expect(error.path).toBe("routes.main.pipeline.deployments")
    expect(error.message).toContain("at least one deployment")
  })

  it("names the missing field of a router spec", async () => {
    const error = await errorOf({ ...good, routers: { fixed: { weights: "w.json" } } })
    expect(error.path).toBe("routers.fixed.type")
    expect(error.message).toContain("is missing")
  })

  it("rejects routes whose plans would multiply out instead of hanging on every request", async () => {
    const routes: Record<string, unknown> = { r30: { fallback: ["big@a", "small@a"] } }
    for (let i = 0; i < 30; i++)
      routes[`r${i}`] = { fallback: [{ route: `r${i + 1}` }, { route: `r${i + 1}` }] }
    const error = await errorOf({ ...good, routes, default: "r0" })
    expect(error.message).toMatch(/would plan \d+ steps/)
  })
})

describe("RouterConfig: deployment fields", () => {
  const withDeployment = (extra: Record<string, unknown>) => ({
    ...good,
    deployments: [{ ...deployments[0]!, ...extra }, ...deployments.slice(1)]
  })

  it("rejects infinite weights and prices (they planned with NaN shares)", async () => {
    for (const field of ["weight", "inputCostPerToken", "outputCostPerToken"]) {
      const error = await errorOf(withDeployment({ [field]: Number.POSITIVE_INFINITY }))
      expect(error.message).toContain(`deployments[0].${field}: Expected a finite number`)
    }
  })

  it("rejects a baseUrl that is not an http(s) URL, naming it", async () => {
    for (const baseUrl of ["not a url", "ftp://example.com/v1", "api.openai.com/v1"]) {
      const error = await errorOf(withDeployment({ baseUrl }))
      expect(error.message).toContain(`deployments[0].baseUrl: Expected an http(s) URL`)
      expect(error.message).toContain(JSON.stringify(baseUrl))
    }
    expect(Either.isRight(await decode(withDeployment({ baseUrl: "http://127.0.0.1:8080/v1" })))).toBe(true)
  })
})
