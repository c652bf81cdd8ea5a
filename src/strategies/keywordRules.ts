/**
 * The rules of the `keyword` classifier: the rule shape and the built-in rule sets for code, math,
 * reasoning, translation and creative writing.
 *
 * @since 0.1.0
 */

/**
 * Points for a route when the text matches. Each keyword and each pattern counts once, however often
 * it occurs.
 *
 * @since 0.1.0
 */
export interface KeywordRule {
  /** The route this rule votes for. */
  readonly route: string
  /** Words or phrases, matched whole and case-insensitively. */
  readonly keywords?: ReadonlyArray<string>
  /** Regular expressions; a string is compiled with the `iu` flags. */
  readonly patterns?: ReadonlyArray<RegExp | string>
  /** Points per matching keyword or pattern. Default 1; negative weights count against. */
  readonly weight?: number
  /** What summaries call a pattern match (default: the pattern itself, shortened). */
  readonly name?: string
}

/** @since 0.1.0 */
export type BuiltinRuleSet = "code" | "math" | "reasoning" | "translation" | "creative"

/** @since 0.1.0 */
export const builtinRuleSets: ReadonlyArray<BuiltinRuleSet> = [
  "code",
  "math",
  "reasoning",
  "translation",
  "creative"
]

const languages =
  "english|french|spanish|german|italian|portuguese|dutch|russian|chinese|mandarin|japanese|korean|arabic|hindi|turkish|polish|swedish"

/**
 * The built-in rules, by set. Strong signals (code fences, formulas, "translate … into French")
 * weigh more than single words.
 *
 * @since 0.1.0
 */
export const builtinRules: Readonly<Record<BuiltinRuleSet, ReadonlyArray<KeywordRule>>> = {
  code: [
    {
      route: "code",
      keywords: [
        "code",
        "function",
        "class",
        "method",
        "bug",
        "debug",
        "compile",
        "compiler",
        "stack trace",
        "exception",
        "refactor",
        "python",
        "javascript",
        "typescript",
        "java",
        "rust",
        "golang",
        "c++",
        "sql",
        "regex",
        "api",
        "algorithm",
        "unit test",
        "implement",
        "script",
        "syntax error",
        "segfault",
        "git",
        "docker"
      ]
    },
    { route: "code", weight: 2, name: "code fence", patterns: [/```/] },
    {
      route: "code",
      weight: 2,
      name: "declaration",
      patterns: [/\b(def|fn|func|function|class|import|return|const|let|var|public|private)\s+\w+/]
    },
    { route: "code", weight: 2, name: "call syntax", patterns: [/\w+\([^)]*\)\s*[{;:]/] },
    { route: "code", weight: 2, name: "operator", patterns: [/=>|::|->/] }
  ],
  math: [
    {
      route: "math",
      keywords: [
        "math",
        "equation",
        "integral",
        "derivative",
        "calculate",
        "solve",
        "proof",
        "prove",
        "theorem",
        "lemma",
        "matrix",
        "probability",
        "algebra",
        "geometry",
        "calculus",
        "polynomial",
        "eigenvalue",
        "statistics",
        "arithmetic",
        "prime",
        "factorial",
        "logarithm"
      ]
    },
    { route: "math", weight: 2, name: "arithmetic", patterns: [/\d\s*[-+*/^=×÷]\s*\d/] },
    { route: "math", weight: 2, name: "math symbol", patterns: [/[∫∑∏√π∞≤≥≠]/] },
    { route: "math", weight: 2, name: "LaTeX", patterns: [/\\(frac|int|sum|sqrt)\b/] }
  ],
  reasoning: [
    {
      route: "reasoning",
      keywords: [
        "step by step",
        "explain why",
        "reason",
        "reasoning",
        "analyze",
        "analyse",
        "compare",
        "trade-off",
        "tradeoffs",
        "pros and cons",
        "evaluate",
        "justify",
        "implications",
        "think through",
        "logic",
        "puzzle",
        "riddle",
        "deduce",
        "infer",
        "why does",
        "what would happen",
        "critique"
      ]
    }
  ],
  translation: [
    { route: "translation", weight: 2, keywords: ["translate", "translation", "how do you say"] },
    {
      route: "translation",
      weight: 3,
      name: "translate into <language>",
      patterns: [new RegExp(`\\b(translate|render|put)\\b.*\\b(into|to|in)\\s+(${languages})\\b`, "iu")]
    },
    {
      route: "translation",
      keywords: languages.split("|").flatMap((language) => [`in ${language}`, `into ${language}`])
    }
  ],
  creative: [
    {
      route: "creative",
      keywords: [
        "poem",
        "haiku",
        "story",
        "short story",
        "lyrics",
        "song",
        "novel",
        "fiction",
        "character",
        "plot",
        "screenplay",
        "limerick",
        "sonnet",
        "creative",
        "imagine",
        "brainstorm",
        "slogan",
        "tagline",
        "fairy tale"
      ]
    },
    {
      route: "creative",
      weight: 2,
      name: "write a <form>",
      patterns: [/\bwrite (me )?(a|an) (poem|story|song|haiku|limerick|sonnet)\b/iu]
    }
  ]
}
