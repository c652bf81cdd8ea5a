// Bundles the command line into one CommonJS file, dist/llm-router.cjs, so that it starts fast:
//
// - one file instead of the hundreds of modules Effect, the CLI framework and the YAML parser are
//   made of (no module resolution, no per-module compile);
// - a CommonJS script can be compiled through `vm.Script` with V8's code cache, which
//   bin/compile-cache.cjs keeps in dist/v8-cache/ (built below by one warm-up run, then refreshed
//   whenever a run compiles code the cache lacked). ES modules cannot use a code cache on Node 20.
//
// Commands are imported lazily in src/cli/main.ts; esbuild keeps each lazily imported module behind
// an init function, so `llm-router route` does not evaluate the server or the benchmarks.
// Dependencies that carry binaries, WASM or large data (onnxruntime, transformers, the USE-lite
// model, vega), or that only the server needs, stay external and load when used.
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { build } from "esbuild"

const bundledPackages = ["effect", "yaml", "toml", "ini", "fast-check", "pure-rand"]
const bundled = (name) =>
  name.startsWith("@effect/") ||
  bundledPackages.some((bundledName) => name === bundledName || name.startsWith(`${bundledName}/`))

rmSync("dist", { recursive: true, force: true })

await build({
  entryPoints: { "llm-router": "src/cli/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  // The sources are ES modules: give them `import.meta.url` in the CommonJS bundle.
  define: { "import.meta.url": "__importMetaUrl" },
  banner: {
    js: [
      "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;",
      // See the rewrite of dynamic imports below.
      "const __llmRouterImport = globalThis.__llmRouterImport ?? ((specifier) => import(specifier));"
    ].join("\n")
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

// `import()` in code that V8 loaded from a code cache fails on Node 20 (the dynamic-import callback
// is not restored with the cached code), so the bundle's dynamic imports of external packages
// (onnxruntime, USE-lite, the OpenAI SDK, vega) go through a function that bin/compile-cache.cjs
// defines in normally compiled code. Only `import("<package>")` with a literal name is expected;
// anything else fails the build rather than break at run time.
const bundlePath = "dist/llm-router.cjs"
const banner = "((specifier) => import(specifier))"
const source = readFileSync(bundlePath, "utf8")
const bannerAt = source.indexOf(banner)
const body = source.slice(bannerAt + banner.length)
const rewritten = body.replace(
  /\bimport\(("(?:@[\w.-]+\/)?[\w.-]+(?:\/[\w./-]+)?")\)/g,
  "__llmRouterImport($1)"
)
const stray = rewritten.search(/\bimport\(/)
if (bannerAt < 0 || stray >= 0) {
  throw new Error(`build: unexpected dynamic import in the bundle: ${rewritten.slice(stray, stray + 80)}`)
}
writeFileSync(bundlePath, source.slice(0, bannerAt + banner.length) + rewritten)

// Warm the code cache with the README's first command, so that the first real run is fast too.
// A failure here only means a slower first run: report it, do not fail the install.
const warmUp = spawnSync(
  process.execPath,
  ["bin/llm-router.js", "route", "--config", "examples/router.config.yaml", "Warm up the code cache"],
  { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" }
)
if (warmUp.status !== 0) {
  process.stderr.write(`build: warming the code cache failed (exit ${warmUp.status}): ${warmUp.stderr}\n`)
}
