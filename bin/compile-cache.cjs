// Runs a CommonJS entry point with V8's code cache for it and for every CommonJS module it loads.
//
// Node 20 has no built-in compile cache (module.enableCompileCache arrived in Node 22), so this does
// what the `v8-compile-cache` package does: it compiles each module through `vm.Script` with the
// bytes V8 produced for the same source on an earlier run, which skips parsing and compiling the
// functions that run at start-up. The cache is one file per Node version and architecture in
// `cacheDir`; an entry is used only if the module's file has the same size and modification time
// as when it was cached, and V8 itself rejects bytes from another V8 build or other flags. Whenever
// a run compiles a module the cache lacked, the cache file is rewritten on exit (to a temporary
// file, then renamed, so concurrent runs never read half a file). Any problem reading or writing the
// cache only means compiling as usual; it never fails the command.
"use strict"
const fs = require("node:fs")
const Module = require("node:module")
const path = require("node:path")
const vm = require("node:vm")

// What identifies a module's source: its size and modification time (a stat is much cheaper than
// hashing megabytes of source on every start).
const versionOf = (filename, content) => {
  try {
    return `${content.length}:${fs.statSync(filename).mtimeMs}`
  } catch {
    return undefined
  }
}

// File layout: a 4-byte little-endian length, a JSON index of that many bytes
// ([{ filename, version, offset, length }], offsets into the data that follows), then the data.
const readStore = (file) => {
  const store = new Map()
  let bytes
  try {
    bytes = fs.readFileSync(file)
  } catch {
    return store
  }
  try {
    const indexLength = bytes.readUInt32LE(0)
    const dataStart = 4 + indexLength
    for (const entry of JSON.parse(bytes.subarray(4, dataStart).toString("utf8"))) {
      const start = dataStart + entry.offset
      if (start + entry.length > bytes.length) return new Map() // truncated: start over
      store.set(entry.filename, { version: entry.version, data: bytes.subarray(start, start + entry.length) })
    }
  } catch {
    return new Map()
  }
  return store
}

const writeStore = (file, store) => {
  const index = []
  const chunks = []
  let offset = 0
  for (const [filename, { version, data }] of store) {
    index.push({ filename, version, offset, length: data.length })
    chunks.push(data)
    offset += data.length
  }
  const indexBytes = Buffer.from(JSON.stringify(index), "utf8")
  const header = Buffer.alloc(4)
  header.writeUInt32LE(indexBytes.length, 0)
  const temporary = `${file}.${process.pid}.tmp`
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(temporary, Buffer.concat([header, indexBytes, ...chunks]))
    fs.renameSync(temporary, file)
  } catch {
    // A read-only install or a full disk: run without a cache.
    try {
      fs.rmSync(temporary, { force: true })
    } catch {
      // nothing left to clean up
    }
  }
}

// The `require` a module sees, as Node builds it.
const makeRequire = (module) => {
  const require = (id) => module.require(id)
  require.resolve = (request, options) => Module._resolveFilename(request, module, false, options)
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, module)
  require.main = process.mainModule
  require.extensions = Module._extensions
  require.cache = Module._cache
  return require
}

/**
 * Requires `entry` with the code cache kept in `cacheDir`.
 * Set LLM_ROUTER_NO_CODE_CACHE=1 to turn the cache off.
 */
exports.run = (entry, cacheDir) => {
  if (process.env.LLM_ROUTER_NO_CODE_CACHE) return require(entry)
  // `import()` inside code that V8 loads from a code cache fails on Node 20: the dynamic-import
  // callback is not restored with it. The bundle's dynamic imports call this function instead
  // (see scripts/build.mjs), which is compiled normally.
  globalThis.__llmRouterImport = (specifier) => import(specifier)

  const cacheFile = path.join(cacheDir, `${process.version}-${process.arch}.bin`)
  const store = readStore(cacheFile)
  const compiled = []
  const originalCompile = Module.prototype._compile
  Module.prototype._compile = function (content, filename) {
    if (content.startsWith("#!")) return originalCompile.call(this, content, filename)
    const version = versionOf(filename, content)
    if (version === undefined) return originalCompile.call(this, content, filename)
    const cached = store.get(filename)
    const cachedData = cached !== undefined && cached.version === version ? cached.data : undefined
    const script = new vm.Script(Module.wrap(content), { filename, cachedData })
    if (cachedData === undefined || script.cachedDataRejected === true)
      compiled.push({ filename, version, script })
    const wrapper = script.runInThisContext({ displayErrors: true })
    return wrapper.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename))
  }
  process.once("exit", () => {
    if (compiled.length === 0) return
    for (const { filename, version, script } of compiled) {
      try {
        store.set(filename, { version, data: script.createCachedData() })
      } catch {
        store.delete(filename)
      }
    }
    writeStore(cacheFile, store)
  })
  return require(entry)
}
