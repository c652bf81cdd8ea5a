/**
 * Directory creation that fails instead of hanging.
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync } from "node:fs"
import { dirname } from "node:path"

/**
 * Creates a directory and its missing parents one level at a time: Node 20's `mkdirSync(path,
 * { recursive: true })` spins forever under a pseudo file system (`/proc/x/y`), where one `mkdir`
 * fails at once.
 *
 * @since 0.1.0
 */
export const makeDirectories = (directory: string): void => {
  const missing: Array<string> = []
  for (let current = directory; !existsSync(current); current = dirname(current)) {
    missing.unshift(current)
    if (dirname(current) === current) break
  }
  for (const path of missing) {
    try {
      mkdirSync(path)
    } catch (cause) {
      // Created meanwhile by another process: fine.
      if (!existsSync(path)) throw cause
    }
  }
}
