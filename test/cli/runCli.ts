/**
 * Runs the real command line (`bin/llm-router.js`) from the repository root, synchronously, for
 * tests that check exit codes and output.
 */
import { spawnSync } from "node:child_process"
import type { SpawnSyncReturns, StdioOptions } from "node:child_process"
import * as path from "node:path"

/** The repository root. */
export const root = path.resolve(__dirname, "../..")

export const runCli = (
  args: ReadonlyArray<string>,
  options: { readonly stdio?: StdioOptions; readonly timeoutMs?: number } = {}
): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, ["bin/llm-router.js", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: options.timeoutMs ?? 60_000,
    ...(options.stdio === undefined ? {} : { stdio: options.stdio })
  })
