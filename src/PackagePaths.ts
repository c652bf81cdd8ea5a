/**
 * Where the package's own files are: its root, the shipped weights and the evaluation data. Found by
 * walking up from this module to the package's `package.json`, so that the paths hold both when the
 * sources run directly and when they run bundled from `dist/`.
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const findRoot = (start: string): string => {
  let directory = start
  for (;;) {
    const manifest = join(directory, "package.json")
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "effect-llm-router") {
          return directory
        }
      } catch {
        // Not ours, or unreadable: keep walking up.
      }
    }
    const parent = dirname(directory)
    if (parent === directory) {
      throw new Error(`effect-llm-router: cannot find the package's package.json above ${start}`)
    }
    directory = parent
  }
}

/**
 * The package's root folder (the one with its `package.json`).
 * @since 0.1.0
 */
export const packageRoot: string = findRoot(dirname(fileURLToPath(import.meta.url)))

/**
 * A path inside the package.
 * @since 0.1.0
 */
export const packagePath = (...segments: ReadonlyArray<string>): string => join(packageRoot, ...segments)
