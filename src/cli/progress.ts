/**
 * Progress on stderr for the long-running commands (`score`, `train`): a bar redrawn in place on a
 * terminal; when stderr is a file or a pipe (CI logs), one line each time the work crosses another
 * tenth instead of carriage-return updates that run together.
 *
 * @since 0.1.0
 */

const width = 30

/**
 * Where progress is written: `process.stderr` or, in tests, a recorder.
 *
 * @since 0.1.0
 */
export interface ProgressStream {
  readonly isTTY?: boolean
  write(text: string): unknown
}

// The last report per stream, so that a log line is written whenever a report crosses a tenth,
// whatever the step between reports (embedding batches of 256 rarely land on an exact tenth).
const lastReport = new WeakMap<
  object,
  { readonly label: string; readonly total: number; readonly done: number }
>()

/** Units done at the previous report of the same bar, 0 when this report starts a new bar. */
const previousDone = (stream: ProgressStream, label: string, done: number, total: number) => {
  const last = lastReport.get(stream)
  lastReport.set(stream, { label, total, done })
  return last !== undefined && last.label === label && last.total === total && last.done <= done
    ? last.done
    : 0
}

/**
 * Reports `done` of `total` units of `label` (`label` may be empty), with an optional `detail`
 * after the count (a loss, the stage just finished). On a terminal the bar is redrawn when `done`
 * is a multiple of `redrawEvery` (and at the end); in a log, a line is written when `done` crosses
 * a tenth of `total` since the previous report of the same bar (and at the end).
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
    readonly detail?: string
    readonly stream?: ProgressStream
  } = {}
): void => {
  const stream = options.stream ?? process.stderr
  const filled = total === 0 ? width : Math.max(0, Math.min(width, Math.round((done / total) * width)))
  const detail = options.detail === undefined ? "" : ` ${options.detail}`
  const text = `${label === "" ? "" : `${label} `}[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}${detail}`
  const previous = previousDone(stream, label, done, total)
  if (stream.isTTY === true) {
    if (done !== total && done % (options.redrawEvery ?? 1) !== 0) return
    // A detail changes length between redraws: clear what a longer one left behind.
    stream.write(`\r${text}${detail === "" ? "" : "\x1b[K"}${done === total ? "\n" : ""}`)
    return
  }
  const tenth = (units: number) => (total === 0 ? 10 : Math.floor((units * 10) / total))
  if (done === total || tenth(done) > tenth(previous)) stream.write(`${text}\n`)
}

/**
 * Writes one status line (e.g. "trained mf in 1.2 s") on stderr, never on stdout.
 *
 * @since 0.1.0
 */
export const status = (message: string, options: { readonly stream?: ProgressStream } = {}): void => {
  const stream = options.stream ?? process.stderr
  stream.write(`${message}\n`)
}
