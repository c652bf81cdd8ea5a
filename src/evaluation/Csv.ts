/**
 * A small RFC 4180 CSV reader (quoted fields, doubled quotes, newlines inside quotes), enough for
 * RouteLLM's response files without a dependency.
 *
 * @since 0.1.0
 */

/**
 * Parses CSV text into rows of fields. The first row is returned like any other.
 *
 * @since 0.1.0
 */
export const parseCsv = (text: string): Array<Array<string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let field = ""
  let quoted = false
  let index = 0
  while (index < text.length) {
    const char = text[index]
    if (quoted) {
      if (char === '"') {
        if (text[index + 1] === '"') {
          field += '"'
          index += 2
          continue
        }
        quoted = false
      } else {
        field += char
      }
      index++
      continue
    }
    if (char === '"') {
      quoted = true
    } else if (char === ",") {
      row.push(field)
      field = ""
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index++
      row.push(field)
      rows.push(row)
      row = []
      field = ""
    } else {
      field += char
    }
    index++
  }
  if (field !== "" || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

/**
 * Parses CSV text whose first row is a header into one record per data row. Rows whose length
 * differs from the header's are reported by their 1-based data row number through `onBadRow`.
 *
 * @since 0.1.0
 */
export const parseCsvRecords = (
  text: string
): {
  readonly header: ReadonlyArray<string>
  readonly records: Array<Record<string, string>>
  readonly badRows: Array<number>
} => {
  const [header = [], ...rows] = parseCsv(text)
  const records: Array<Record<string, string>> = []
  const badRows: Array<number> = []
  rows.forEach((row, rowIndex) => {
    if (row.length === 1 && row[0] === "") return
    if (row.length !== header.length) {
      badRows.push(rowIndex + 1)
      return
    }
    const record: Record<string, string> = {}
    header.forEach((name, column) => {
      record[name] = row[column] ?? ""
    })
    records.push(record)
  })
  return { header, records, badRows }
}
