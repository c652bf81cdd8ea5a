import { CliConfig, HelpDoc, Options, ValidationError } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { integer } from "../../src/cli/options.ts"

const parse = (options: Options.Options<number>, args: ReadonlyArray<string>) =>
  Options.processCommandLine(options, args, CliConfig.defaultConfig).pipe(
    Effect.map(([, , value]) => value),
    Effect.mapError((error) =>
      ValidationError.isValidationError(error) && "error" in error ? HelpDoc.toAnsiText(error.error) : ""
    ),
    Effect.either,
    Effect.provide(NodeContext.layer)
  )

describe("integer options", () => {
  it.effect("parse decimal whole numbers within the range", () =>
    Effect.gen(function* () {
      expect(yield* parse(integer("port", { min: 0, max: 65535 }), ["--port", "8080"])).toEqual(
        Either.right(8080)
      )
      expect(yield* parse(integer("seed"), ["--seed", "-3"])).toEqual(Either.right(-3))
    })
  )

  it.effect("name the option and the range in every error", () =>
    Effect.gen(function* () {
      for (const [value, expected] of [
        ["abc", '--port must be an integer from 0 to 65535, got "abc"'],
        ["70000", '--port must be an integer from 0 to 65535, got "70000"'],
        ["0x10", '--port must be an integer from 0 to 65535, got "0x10"'],
        ["1e3", '--port must be an integer from 0 to 65535, got "1e3"'],
        ["8.5", '--port must be an integer from 0 to 65535, got "8.5"']
      ] as const) {
        const result = yield* parse(integer("port", { min: 0, max: 65535 }), ["--port", value])
        expect(Either.isLeft(result) && result.left).toContain(expected)
      }
      const seed = yield* parse(integer("seed"), ["--seed", "x"])
      expect(Either.isLeft(seed) && seed.left).toContain('--seed must be an integer, got "x"')
      const folds = yield* parse(integer("folds", { min: 2 }), ["--folds", "1"])
      expect(Either.isLeft(folds) && folds.left).toContain('--folds must be an integer ≥ 2, got "1"')
    })
  )
})
