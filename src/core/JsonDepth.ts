/**
 * A nesting limit for parsed JSON. `JSON.parse` accepts arrays and objects nested thousands of
 * levels deep, but the recursive code that later walks them (Schema decoding, `JSON.stringify`,
 * inspection for logs) overflows the stack. Request bodies and input lines are checked here,
 * iteratively, right after parsing, so such input is refused as bad input naming where it is.
 *
 * @since 0.1.0
 */

/**
 * The default limit: far deeper than any chat request or tool schema needs.
 *
 * @since 0.1.0
 */
export const MAX_JSON_DEPTH = 100

/**
 * The path (`$.a[0].b`) of the first value nested deeper than `maxDepth` levels of arrays and
 * objects, or `undefined` when there is none. The top-level object or array is depth 1.
 *
 * @example
 * import { JsonDepth } from "effect-llm-router/core/JsonDepth"
 *
 * JsonDepth.tooDeep({ a: [[1]] }, 2) // "$.a[0]"
 * JsonDepth.tooDeep({ a: [1] }, 2) // undefined
 *
 * @since 0.1.0
 */
export const tooDeep = (value: unknown, maxDepth: number = MAX_JSON_DEPTH): string | undefined => {
  // Paths are built only for the value reported: each entry keeps its key and its parent.
  interface Entry {
    readonly value: unknown
    readonly depth: number
    readonly key: string | number | undefined
    readonly parent: Entry | undefined
  }
  const pathOf = (entry: Entry): string => {
    const steps: Array<string> = []
    for (let current: Entry | undefined = entry; current?.parent !== undefined; current = current.parent)
      steps.push(
        typeof current.key === "number"
          ? `[${current.key}]`
          : /^[A-Za-z_$][\w$]*$/.test(current.key!)
            ? `.${current.key}`
            : `[${JSON.stringify(current.key)}]`
      )
    const path = `$${steps.reverse().join("")}`
    return path.length > 80 ? `${path.slice(0, 77)}...` : path
  }
  const stack: Array<Entry> = [{ value, depth: 1, key: undefined, parent: undefined }]
  while (stack.length > 0) {
    const current = stack.pop()!
    if (typeof current.value !== "object" || current.value === null) continue
    if (current.depth > maxDepth) return pathOf(current)
    if (Array.isArray(current.value)) {
      for (let index = current.value.length - 1; index >= 0; index--) {
        const child: unknown = current.value[index]
        if (typeof child === "object" && child !== null)
          stack.push({ value: child, depth: current.depth + 1, key: index, parent: current })
      }
    } else {
      for (const [key, child] of Object.entries(current.value))
        if (typeof child === "object" && child !== null)
          stack.push({ value: child, depth: current.depth + 1, key, parent: current })
    }
  }
  return undefined
}
