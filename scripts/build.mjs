// Bundles the command line into dist/llm-router.mjs (plus one chunk per command, loaded when that
// command runs) so that it starts fast: a few files instead of the hundreds of modules Effect is
// made of, compiled once instead of on every start. Dependencies that
// carry binaries, WASM or large data stay external and load lazily.
import { build } from "esbuild"

const bundled = (name) => name === "effect" || name.startsWith("effect/") || name.startsWith("@effect/")

await build({
  entryPoints: { "llm-router": "src/cli/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  splitting: true,
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
          bundled(args.path) || args.path.startsWith("node:")
            ? undefined
            : { path: args.path, external: true }
        )
      }
    }
  ]
})
