import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const loader = fileURLToPath(new URL("../../bin/compile-cache.cjs", import.meta.url))

// A small CommonJS program: a module it requires, and a dynamic import through the function the
// loader provides (import() itself fails in code V8 loaded from a code cache on Node 20).
const writeProgram = (dir: string) => {
  writeFileSync(join(dir, "dep.cjs"), "exports.twice = (n) => 2 * n\n")
  writeFileSync(
    join(dir, "entry.cjs"),
    [
      'const { twice } = require("./dep.cjs")',
      "const load = globalThis.__llmRouterImport ?? ((specifier) => import(specifier))",
      'load("node:path").then((path) => console.log(`${twice(21)} ${path.basename("/a/b.txt")}`))'
    ].join("\n")
  )
}

const run = (dir: string, env: Record<string, string> = {}) =>
  execFileSync(
    process.execPath,
    [
      "-e",
      `require(${JSON.stringify(loader)}).run(${JSON.stringify(join(dir, "entry.cjs"))}, ${JSON.stringify(join(dir, "cache"))})`
    ],
    { encoding: "utf8", env: { ...process.env, ...env } }
  )

const cacheFile = (dir: string) => join(dir, "cache", `${process.version}-${process.arch}.bin`)

describe("bin/compile-cache.cjs", () => {
  it("writes the cache on the first run and reuses it, dynamic imports included, on the next", () => {
    const dir = mkdtempSync(join(tmpdir(), "compile-cache-"))
    writeProgram(dir)
    expect(run(dir)).toBe("42 b.txt\n")
    const written = statSync(cacheFile(dir)).mtimeMs
    const index = readFileSync(cacheFile(dir))
    const names = (
      JSON.parse(index.subarray(4, 4 + index.readUInt32LE(0)).toString("utf8")) as Array<{
        filename: string
      }>
    ).map((entry) => entry.filename)
    expect(names.sort()).toEqual([join(dir, "dep.cjs"), join(dir, "entry.cjs")])
    // Second run: every module comes from the cache, so nothing is rewritten.
    expect(run(dir)).toBe("42 b.txt\n")
    expect(statSync(cacheFile(dir)).mtimeMs).toBe(written)
  })

  it("recompiles a module whose file changed", () => {
    const dir = mkdtempSync(join(tmpdir(), "compile-cache-"))
    writeProgram(dir)
    expect(run(dir)).toBe("42 b.txt\n")
    writeFileSync(join(dir, "dep.cjs"), "exports.twice = (n) => 3 * n\n")
    expect(run(dir)).toBe("63 b.txt\n")
  })

  it("runs as usual with a corrupt or truncated cache file, and replaces it", () => {
    const dir = mkdtempSync(join(tmpdir(), "compile-cache-"))
    writeProgram(dir)
    run(dir)
    const good = readFileSync(cacheFile(dir))
    for (const broken of [Buffer.from("not a cache"), good.subarray(0, good.length - 10), Buffer.alloc(0)]) {
      writeFileSync(cacheFile(dir), broken)
      expect(run(dir)).toBe("42 b.txt\n")
      expect(readFileSync(cacheFile(dir)).length).toBeGreaterThan(8)
    }
  })

  it("LLM_ROUTER_NO_CODE_CACHE=1 runs without reading or writing a cache", () => {
    const dir = mkdtempSync(join(tmpdir(), "compile-cache-"))
    writeProgram(dir)
    expect(run(dir, { LLM_ROUTER_NO_CODE_CACHE: "1" })).toBe("42 b.txt\n")
    expect(() => statSync(cacheFile(dir))).toThrow()
  })
})
