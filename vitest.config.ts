import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

export default defineConfig({
  // Outside node_modules: a new folder there makes npm's hidden lockfile stale, which slows every
  // later `npx llm-router ...` by the time npm takes to re-read the whole installed tree.
  cacheDir: ".cache/vite",
  resolve: {
    alias: {
      "effect-llm-router": fileURLToPath(new URL("./src/index.ts", import.meta.url))
    }
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks"
  }
})
