/**
 * Hand-made text features of a prompt for the `knn_logistic` router: 38 surface features (lengths,
 * digits, options of a multiple-choice question, negations, code, LaTeX, …) and 14 rarity features
 * (inverse document frequency of the question's and options' words against the training prompts,
 * proper nouns, distinct numbers, …). A faithful port of `feats.py` and `feats2.py` in
 * `scripts/experiments/mmlu-stacking/`: Python's Unicode-aware `\b`, `\s`, `\d`, `str.isspace`,
 * `str.isdigit`, `str.isupper` and code-point lengths are reproduced, so the numbers match the
 * Python ones (checked to 1e-9 on MMLU, GSM8K and arena prompts).
 *
 * @since 0.1.0
 */

// Python's `str.isspace` / regex `\s`: JavaScript's `\s` differs (it has U+FEFF, lacks U+001C–U+001F, U+0085).
const SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
const S = `[${SPACE}]`
// Python's regex `\w` for str patterns: Unicode letters and numbers, and the underscore.
const W = "[\\p{L}\\p{N}_]"
// Python's `\b`: a boundary between a word character and anything else (JavaScript's `\b` is ASCII-only).
const B = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`
const D = "\\p{Nd}"

const re = (source: string, flags = "") => new RegExp(source.replaceAll("\\b", B), `u${flags}`)
const count = (pattern: RegExp, text: string) => {
  const global = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g")
  let found = 0
  for (const _ of text.matchAll(global)) found++
  return found
}

const isSpace = new RegExp(`^${S}$`, "u")
const isUpper = /^\p{Uppercase}$/u
// Python's `str.isdigit`: decimal digits plus digits like superscripts and circled numbers.
const isDigit =
  /^[\p{Nd}\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792\u1369-\u1371\u19da]$/u

const codePoints = (text: string): Array<string> => Array.from(text)
const length = (text: string) => {
  let n = 0
  for (const _ of text) n++
  return n
}
const pythonStrip = (text: string, end = true, start = true) => {
  const chars = codePoints(text)
  let first = 0
  let last = chars.length
  if (start) while (first < last && isSpace.test(chars[first]!)) first++
  if (end) while (last > first && isSpace.test(chars[last - 1]!)) last--
  return chars.slice(first, last).join("")
}
const pythonSplit = (text: string) => text.split(new RegExp(`${S}+`, "u")).filter((part) => part !== "")
const log1p = Math.log1p
const mean = (values: ReadonlyArray<number>) => values.reduce((sum, value) => sum + value, 0) / values.length
const populationStd = (values: ReadonlyArray<number>) => {
  const m = mean(values)
  return Math.sqrt(values.reduce((sum, value) => sum + (value - m) ** 2, 0) / values.length)
}

/**
 * A prompt split into its question and, for a four-option multiple-choice prompt (`A. …` to
 * `D. …` lines, an optional trailing `Answer:`), its options; otherwise no options.
 *
 * @since 0.1.0
 */
export const parse = (
  prompt: string
): { readonly question: string; readonly options: ReadonlyArray<string> } => {
  let text = pythonStrip(prompt, true, false)
  if (text.endsWith("Answer:")) text = text.slice(0, -7).replace(/\n+$/, "")
  const lines = text.split("\n")
  const options: Array<string> = []
  let end = lines.length
  for (const letter of ["D", "C", "B", "A"]) {
    let found = false
    for (let j = end - 1; j >= 0; j--) {
      const line = lines[j]!
      if (line.startsWith(letter + ". ") || line === letter + ".") {
        options.unshift(
          line.length > 2
            ? lines
                .slice(j, end)
                .join("\n")
                .slice(letter.length + 2)
            : ""
        )
        end = j
        found = true
        break
      }
    }
    if (!found) break
  }
  if (options.length !== 4) return { question: text, options: [] }
  return { question: lines.slice(0, end).join("\n"), options }
}

const NUMBER = re(`-?${D}+(?:[.,]${D}+)?`)
const WORD = /[A-Za-z]+/g
const NUMERIC_OPTION = re(`^[-+]?${D}*\\.?${D}+(e-?${D}+)?${S}*[a-zA-Z/²³°]{0,6}$`)
const MATH = re("[=+*/^×÷√∫∑πθ<>≤≥]")
const LATEX = re("\\\\[a-zA-Z]+|\\$|\\^|_\\{|\\{|\\}")
const NEGATION_CAPS = re("\\b(NOT|EXCEPT|LEAST|FALSE|INCORRECT)\\b")
const NEGATION = re("\\b(not|except|least|false|incorrect|never)\\b", "i")
const ROMAN_OPTION = re("\\b(I|II|III|IV)\\b")
const ROMAN_QUESTION = re("\\b(I{1,3}|IV)\\b")
const ALL_ABOVE = re("all of the above|none of the above|both|neither|all of these|none of these", "i")
const TRUE_FALSE = re("\\b(True|False),")
// Python's multi-line `$` is before "\n" or at the end; `.` is anything but "\n".
const CODE = re(
  `def |return |print|;${S}*(?=\\n|$)|\\bint\\b|\\)${S}*\\{|==|<-|:=|\\bfor\\b[^\\n]*\\bin\\b|\\bwhile\\b`
)
const YEARS = re("\\b1[0-9]{3}\\b|\\b20[0-9]{2}\\b")
const UNITS = re("\\$|%|\\b(kg|km|m/s|cm|mm|mol|J|K|N|Hz|eV|V|W|g|L|mL)\\b")
const FIRST_PERSON = re("\\b(I|my|me)\\b")
const SENTENCE_END = re(`[.!?](${S}|$)`)
const CALCULATION = re(
  "\\b(calculate|compute|how many|how much|what is the value|find the|solve|evaluate|probability)\\b",
  "i"
)

const isNumericOption = (option: string) =>
  NUMERIC_OPTION.test(pythonStrip(option).replaceAll(",", "").replaceAll("$", "").replaceAll("%", ""))

/**
 * Names of the {@link surfaceFeatures}, in order.
 *
 * @since 0.1.0
 */
export const surfaceFeatureNames = [
  "log_qlen",
  "log_qwords",
  "q_lines",
  "has_opts",
  "log_opt_mean",
  "log_opt_max",
  "log_opt_min",
  "opt_len_cv",
  "opt_q_ratio",
  "q_digits",
  "q_nums",
  "opt_digits",
  "opts_numeric",
  "math_ops",
  "latex",
  "neg_caps",
  "neg_low",
  "which_following",
  "statement",
  "scenario",
  "roman",
  "all_above",
  "truefalse_opts",
  "code",
  "qmark",
  "blank",
  "passage",
  "quote",
  "years",
  "units",
  "opt_overlap",
  "avg_wlen",
  "caps_ratio",
  "you_i",
  "long_word",
  "sentences",
  "opt_has_digit_count",
  "calc"
] as const

const flag = (value: boolean) => (value ? 1 : 0)
const digitCount = (text: string) => codePoints(text).filter((c) => isDigit.test(c)).length

/**
 * The 38 surface features of `feats.py`, in the order of {@link surfaceFeatureNames}.
 *
 * @since 0.1.0
 */
export const surfaceFeatures = (prompt: string): Array<number> => {
  const { question: q, options } = parse(prompt)
  const has = options.length === 4
  const ql = length(q)
  const optionLengths = has ? options.map(length) : [0, 0, 0, 0]
  const optionText = options.join(" ")
  const both = q + optionText
  const optionMean = mean(optionLengths)
  const words = q.match(WORD) ?? []
  const optionWords = options.map((option) => new Set((option.match(WORD) ?? []).map((w) => w.toLowerCase())))
  let overlap = 0
  if (has) {
    const jaccards: Array<number> = []
    for (let a = 0; a < 4; a++)
      for (let b = a + 1; b < 4; b++) {
        const left = optionWords[a]!
        const right = optionWords[b]!
        const shared = [...left].filter((w) => right.has(w)).length
        jaccards.push(shared / Math.max(1, left.size + right.size - shared))
      }
    overlap = mean(jaccards)
  }
  const lower = q.toLowerCase()
  return [
    log1p(ql),
    log1p(pythonSplit(q).length),
    log1p(q.split("\n").length - 1),
    flag(has),
    log1p(optionMean),
    log1p(Math.max(...optionLengths)),
    log1p(Math.min(...optionLengths)),
    populationStd(optionLengths) / (optionMean + 1),
    log1p(optionLengths.reduce((sum, value) => sum + value, 0)) - log1p(ql),
    digitCount(q) / (ql + 1),
    log1p(count(NUMBER, q)),
    digitCount(optionText) / (length(optionText) + 1),
    flag(has && options.every(isNumericOption)),
    log1p(count(MATH, both)),
    log1p(count(LATEX, both)),
    flag(NEGATION_CAPS.test(q)),
    flag(NEGATION.test(q)),
    flag(lower.includes("which of the following")),
    flag(q.includes("Statement 1")),
    flag(q.includes("Scenario 1")),
    flag(ROMAN_OPTION.test(optionText) && ROMAN_QUESTION.test(q)),
    flag(ALL_ABOVE.test(optionText)),
    flag(TRUE_FALSE.test(optionText)),
    flag(CODE.test(q)),
    flag(pythonStrip(q, true, false).endsWith("?")),
    flag(q.includes("_")),
    flag(lower.startsWith("this question refers") || ql > 800),
    log1p(q.split('"').length - 1),
    log1p(count(YEARS, q)),
    log1p(count(UNITS, q)),
    overlap,
    words.length > 0 ? mean(words.map((w) => w.length)) : 0,
    codePoints(q).filter((c) => isUpper.test(c)).length / (ql + 1),
    flag(FIRST_PERSON.test(q)),
    log1p(words.filter((w) => w.length >= 12).length),
    log1p(count(SENTENCE_END, q)),
    has ? options.filter((option) => digitCount(option) > 0).length / 4 : 0,
    flag(CALCULATION.test(q))
  ]
}

/**
 * Document frequencies of lower-case ASCII words over a set of prompts (the rarity features'
 * reference; a router saves it with its weights).
 *
 * @since 0.1.0
 */
export interface DocumentFrequency {
  readonly documents: number
  readonly counts: ReadonlyMap<string, number>
}

const TOKEN = /[a-z]+/g

/**
 * Counts, for every lower-case ASCII word, the prompts it occurs in.
 *
 * @since 0.1.0
 */
export const documentFrequency = (prompts: ReadonlyArray<string>): DocumentFrequency => {
  const counts = new Map<string, number>()
  for (const prompt of prompts)
    for (const word of new Set(prompt.toLowerCase().match(TOKEN) ?? []))
      counts.set(word, (counts.get(word) ?? 0) + 1)
  return { documents: prompts.length, counts }
}

/**
 * Names of the {@link rarityFeatures}, in order.
 *
 * @since 0.1.0
 */
export const rarityFeatureNames = [
  "q_idf_mean",
  "q_idf_top3",
  "q_rare_frac",
  "o_idf_mean",
  "o_idf_top3",
  "o_rare_frac",
  "propn",
  "judg",
  "accord",
  "n_distinct_nums",
  "decimals",
  "opt_words",
  "opt_short",
  "wh_start"
] as const

const PROPER_NOUN = re(`(?<![.?!]${S})(?<!^)\\b[A-Z][a-z]+`)
const JUDGEMENT = re("\\b(approximately|closest|most likely|best|primarily|most|main|usually)\\b", "i")
const ACCORDING = re("\\baccording to\\b", "i")
const PLAIN_NUMBER = re(`${D}+(?:\\.${D}+)?`, "g")
const DECIMAL = re(`${D}+\\.${D}+`)
const WH_START = re(`^${S}*(which|what|how|why|who|when|where)\\b`, "i")

// Python's float() reads any Unicode decimal digit; runs of ten code points hold digits 0–9.
const digitValue = (digit: string) => {
  const code = digit.codePointAt(0)!
  if (code < 128) return code - 48
  let start = code
  while (/^\p{Nd}$/u.test(String.fromCodePoint(start - 1))) start--
  return (code - start) % 10
}
const pythonFloat = (text: string) =>
  Number(
    codePoints(text)
      .map((c) => (c === "." ? "." : String(digitValue(c))))
      .join("")
  )

/**
 * The 14 rarity features of `feats2.py`, in the order of {@link rarityFeatureNames}.
 *
 * @since 0.1.0
 */
export const rarityFeatures = (prompt: string, frequency: DocumentFrequency): Array<number> => {
  const { question: q, options } = parse(prompt)
  const n = frequency.documents
  const out: Array<number> = []
  for (const text of [q, options.join(" ")]) {
    const words = text.toLowerCase().match(TOKEN) ?? []
    const idf =
      words.length > 0 ? words.map((w) => Math.log((n + 1) / ((frequency.counts.get(w) ?? 0) + 1))) : [0]
    const top = [...idf].sort((a, b) => a - b).slice(-3)
    const rare = Math.log(n / 5)
    out.push(mean(idf), mean(top), idf.filter((value) => value > rare).length / idf.length)
  }
  out.push(log1p(count(PROPER_NOUN, q)))
  out.push(flag(JUDGEMENT.test(q)))
  out.push(flag(ACCORDING.test(q)))
  const numbers = (q.match(PLAIN_NUMBER) ?? []).filter((x) => length(x) < 15).map(pythonFloat)
  out.push(log1p(new Set(numbers).size))
  out.push(flag(DECIMAL.test(q)))
  const optionWords = options.length > 0 ? options.map((option) => pythonSplit(option).length) : [0]
  out.push(log1p(mean(optionWords)))
  out.push(flag(Math.max(...optionWords) <= 2))
  out.push(flag(WH_START.test(q)))
  return out
}

/**
 * Every feature of a prompt: the 38 surface features then the 14 rarity features.
 *
 * @example
 * import { Routers } from "effect-llm-router"
 * const { PromptFeatures } = Routers
 * const frequency = PromptFeatures.documentFrequency(["What is 2 + 2?", "Name a prime."])
 * const values = PromptFeatures.features("What is 3 + 4?", frequency) // 52 numbers
 *
 * @since 0.1.0
 */
export const features = (prompt: string, frequency: DocumentFrequency): Array<number> => [
  ...surfaceFeatures(prompt),
  ...rarityFeatures(prompt, frequency)
]

/**
 * Names of {@link features}, in order.
 *
 * @since 0.1.0
 */
export const featureNames: ReadonlyArray<string> = [...surfaceFeatureNames, ...rarityFeatureNames]
