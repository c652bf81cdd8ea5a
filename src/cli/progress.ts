/**
 * Progress on stderr for the long-running commands (`score`, `train`): a bar redrawn in place on a
 * terminal; when stderr is a file or a pipe (CI logs), one line per tenth of the work instead of
 * carriage-return updates that run together.
 *
 * @since 0.1.0
 */

const width = 30

/**
 * Reports `done` of `total` units of `label` (`label` may be empty). On a terminal the bar is
 * redrawn when `done` is a multiple of `redrawEvery` (and at the end).
 *
 * @example
 * for (let i = 1; i <= 200; i++) progress("scored", i, 200, { redrawEvery: 50 })
 *
 * @since 0.1.0
 */
export const progress = (
  label: string,
  done: number,
  total: number,
  options: {
    readonly redrawEvery?: number
    readonly stream?: { readonly isTTY?: boolean; write(text: string): unknown }
  } = {}
): void => {
  const stream = options.stream ?? process.stderr
  const filled = total === 0 ? width : Math.round((done / total) * width)
  const text = `${label === "" ? "" : `${label} `}[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`
  if (stream.isTTY === true) {
    if (done !== total && done % (options.redrawEvery ?? 1) !== 0) return
    stream.write(`\r${text}${done === total ? "\n" : ""}`)
    return
  }
  const step = Math.max(1, Math.ceil(total / 10))
  if (done === total || done % step === 0) stream.write(`${text}\n`)
}
