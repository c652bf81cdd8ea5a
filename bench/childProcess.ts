/**
 * Child processes for the gateway benchmark: the fake upstream, our server and Portkey's gateway
 * each run in their own Node process, so that none of them shares an event loop with the load
 * generator. A process lives for the life of a scope and is killed (by its pid) when it closes.
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import type { Scope } from "effect"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { packageRoot } from "../src/PackagePaths.ts"

/**
 * A benchmark process did not start or did not become ready in time.
 *
 * @since 0.1.0
 */
export class ProcessError extends Data.TaggedError("ProcessError")<{
  readonly name: string
  readonly reason: "SpawnFailed" | "Exited" | "NotReady"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * A running child process.
 *
 * @since 0.1.0
 */
export interface RunningProcess {
  readonly name: string
  readonly pid: number
  /** The first capture group of `readyPattern` in its output (e.g. the URL it listens on). */
  readonly ready: string
  /** The last lines it wrote (stdout and stderr), for error messages. */
  readonly output: () => string
}

/**
 * How to start a process and know it is ready.
 *
 * @since 0.1.0
 */
export interface ProcessSpec {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
  /** Matched against its stdout+stderr; the first capture group becomes `ready`. */
  readonly readyPattern: RegExp
  /** Default 30 s. */
  readonly readyTimeoutMs?: number
}

/** The repository root (the folder holding `bench/`). */
export const repositoryRoot: string = packageRoot

/**
 * The tsx loader as an absolute file URL: `--import tsx` would be resolved from the working
 * directory, which fails when the command runs outside the repository.
 *
 * @since 0.1.0
 */
export const tsxLoader = (): string => pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/**
 * `node` with the tsx loader, to run a TypeScript file of this repository in a child process.
 *
 * @since 0.1.0
 */
export const tsxArgs = (file: string, args: ReadonlyArray<string> = []): ReadonlyArray<string> => [
  "--import",
  tsxLoader(),
  file,
  ...args
]

const stop = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
      return resume(Effect.void)
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

/**
 * Starts a process for the life of the scope and waits until its output matches `readyPattern`.
 *
 * @example
 * const upstream = startProcess({
 *   name: "fake-upstream",
 *   command: process.execPath,
 *   args: tsxArgs("bench/fakeUpstreamProcess.ts"),
 *   readyPattern: /READY (\S+)/
 * })
 *
 * @since 0.1.0
 */
export const startProcess = (spec: ProcessSpec): Effect.Effect<RunningProcess, ProcessError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly child: ChildProcess; readonly running: RunningProcess }, ProcessError>(
      (resume) => {
        let output = ""
        let settled = false
        const child = spawn(spec.command, [...spec.args], {
          cwd: repositoryRoot,
          env: { ...process.env, ...spec.env },
          stdio: ["ignore", "pipe", "pipe"]
        })
        const settle = (
          effect: Effect.Effect<
            { readonly child: ChildProcess; readonly running: RunningProcess },
            ProcessError
          >
        ) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resume(effect)
        }
        const timer = setTimeout(() => {
          child.kill("SIGKILL")
          settle(
            Effect.fail(
              new ProcessError({
                name: spec.name,
                reason: "NotReady",
                message: `${spec.name} not ready after ${spec.readyTimeoutMs ?? 30_000} ms:\n${output.slice(-2000)}`
              })
            )
          )
        }, spec.readyTimeoutMs ?? 30_000)
        const onData = (chunk: Buffer) => {
          output = (output + chunk.toString("utf8")).slice(-20_000)
          const match = spec.readyPattern.exec(output)
          if (match !== null && child.pid !== undefined) {
            settle(
              Effect.succeed({
                child,
                running: {
                  name: spec.name,
                  pid: child.pid,
                  ready: match[1] ?? match[0],
                  output: () => output.slice(-4000)
                }
              })
            )
          }
        }
        child.stdout?.on("data", onData)
        child.stderr?.on("data", onData)
        child.once("error", (cause) =>
          settle(
            Effect.fail(
              new ProcessError({
                name: spec.name,
                reason: "SpawnFailed",
                message: `${spec.name}: ${cause.message}`,
                cause
              })
            )
          )
        )
        child.once("exit", (code, signal) =>
          settle(
            Effect.fail(
              new ProcessError({
                name: spec.name,
                reason: "Exited",
                message: `${spec.name} exited (${code ?? signal}) before it was ready:\n${output.slice(-2000)}`
              })
            )
          )
        )
      }
    ),
    ({ child }) => stop(child)
  ).pipe(Effect.map(({ running }) => running))
