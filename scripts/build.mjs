// Bundles the command line into dist/llm-router.mjs so that it starts fast: one file instead of the
// hundreds of modules Effect is made of, compiled once instead of on every start. Dependencies that
// carry binaries, WASM or large data stay external and load lazily.
import { build } from "esbuild"

const bundled = (name) => name === "effect" || name.startsWith("effect/") || name.startsWith("@effect/")

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/llm-router.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
  },
  plugins: [
    {
      name: "external-dependencies",
      setup(builder) {
        builder.onResolve({ filter: /^[^./]/ }, (args) =>
          bundled(args.path) || args.path.startsWith("node:") ? undefined : { path: args.path, external: true }
        )
      }
    }
  ]
})
