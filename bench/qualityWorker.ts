/**
 * A worker process of `bench quality` (see `qualityWorkers.ts`): receives one unit on its IPC
 * channel, computes it, sends `progress` messages while it runs and one `done` (or `failed`) message,
 * then exits.
 *
 * Usage (forked by bench/qualityWorkers.ts): node --import tsx bench/qualityWorker.ts
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import type { WorkerMessage } from "./qualityWorkers.ts"
import { computeUnit, QualityUnit } from "./qualityWorkers.ts"

const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined) {
      process.stderr.write(`${JSON.stringify(message)}\n`)
      resolve()
    } else process.send(message, undefined, {}, () => resolve())
  })

const fail = (message: string) =>
  send({ type: "failed", message }).then(() => {
    process.exitCode = 1
    process.disconnect?.()
  })

// The parent went away (killed, or interrupted before the unit finished): nobody wants the result.
process.once("disconnect", () => process.exit(process.exitCode ?? 0))

process.once("message", (raw: unknown) => {
  const program = Schema.decodeUnknown(QualityUnit)(raw).pipe(
    Effect.flatMap((unit) => computeUnit(unit, (message) => void send({ type: "progress", message }))),
    Effect.flatMap((output) => {
      // The whole process, start-up included, is CPU time the run spent.
      const cpu = process.cpuUsage()
      return Effect.promise(() =>
        send({ type: "done", output: { ...output, cpuSeconds: (cpu.user + cpu.system) / 1e6 } })
      )
    })
  )
  Effect.runPromise(program).then(
    () => process.disconnect?.(),
    (error: unknown) => fail(error instanceof Error ? error.message : String(error))
  )
})
