/**
 * A private redis-server on a free port, for tests and benchmarks that stop Redis (never the
 * shared one). Started with the scope, killed by its pid when the scope closes.
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import { spawn, spawnSync } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { createServer } from "node:net"

const freePort = () =>
  Effect.async<number>((resume) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(Effect.succeed(port)))
    })
  })

const ping = (port: number) =>
  spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout.trim() === "PONG"

/** A running private redis-server. */
export interface PrivateRedis {
  readonly port: number
  readonly url: string
  readonly stop: Effect.Effect<void>
  readonly start: Effect.Effect<void>
}

/** Starts one. */
export const privateRedis: Effect.Effect<PrivateRedis, never, Scope.Scope> = Effect.gen(function* () {
  const port = yield* freePort()
  let child: ChildProcess | undefined
  const start = Effect.gen(function* () {
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" }
    )
    while (!ping(port)) yield* Effect.sleep("20 millis")
  })
  const stop = Effect.gen(function* () {
    spawnSync("redis-cli", ["-p", String(port), "shutdown", "nosave"])
    while (ping(port)) yield* Effect.sleep("20 millis")
  })
  yield* Effect.acquireRelease(start, () =>
    Effect.sync(() => {
      if (child !== undefined && child.exitCode === null) child.kill("SIGTERM")
    })
  )
  return { port, url: `redis://127.0.0.1:${port}`, stop, start }
})
