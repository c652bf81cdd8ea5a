#!/usr/bin/env node
// Runs the bundled command line (dist/llm-router.cjs, built by `npm run build`, which `npm install`
// runs) with V8's code cache (bin/compile-cache.cjs), unless a source file (src/ or bench/) is newer
// than the bundle; then it runs the TypeScript sources through tsx, so that a developer's edits
// always take effect.
import { readdirSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bundle = `${root}dist/llm-router.cjs`

const bundleIsFresh = () => {
  let built
  try {
    built = statSync(bundle).mtimeMs
  } catch {
    return false
  }
  try {
    // The bundle holds src/ and the benchmark code in bench/.
    for (const folder of ["src", "bench"]) {
      for (const entry of readdirSync(`${root}${folder}`, { recursive: true })) {
        if (folder === "bench" && String(entry).startsWith("results")) continue // outputs, not code
        if (statSync(`${root}${folder}/${entry}`).mtimeMs > built) return false
      }
    }
  } catch {
    return false
  }
  return true
}

if (bundleIsFresh()) {
  createRequire(import.meta.url)("./compile-cache.cjs").run(bundle, `${root}dist/v8-cache`)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import("../src/cli/main.ts")
}
