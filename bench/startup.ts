/**
 * Start-up time of the command line: the README's first command (`llm-router route`) and
 * `llm-router --version`, each in a fresh process, run directly with node and through npx (which
 * adds npm's own start-up: loading npm and reading the installed tree).
 *
 *   npx tsx bench/startup.ts [--runs 11] [--json bench/results/startup.json]
 *
 * Reports the median and the 90th percentile of the wall time of each, and the machine's load
 * average: these machines are shared, so compare runs made at a similar load.
 *
 * @since 0.1.0
 */
import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { dirname } from "node:path"
import { packageRoot } from "../src/PackagePaths.ts"
import { ascending, percentile } from "./loadGenerator.ts"
import { makeDirectories } from "../src/core/Directories.ts"

/** The README's first command. */
const README_PROMPT = "Prove that there are infinitely many primes"

interface Case {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
}

const routeArgs = ["route", "--config", "examples/router.config.yaml", README_PROMPT]
const cases: ReadonlyArray<Case> = [
  {
    name: "node bin/llm-router.js --version",
    command: process.execPath,
    args: ["bin/llm-router.js", "--version"]
  },
  {
    name: "node bin/llm-router.js route …",
    command: process.execPath,
    args: ["bin/llm-router.js", ...routeArgs]
  },
  { name: "npx llm-router --version", command: "npx", args: ["llm-router", "--version"] },
  { name: "npx llm-router route … (README)", command: "npx", args: ["llm-router", ...routeArgs] }
]

const timeOnce = ({ args, command }: Case): number => {
  const started = performance.now()
  const result = spawnSync(command, args, {
    cwd: packageRoot,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8"
  })
  const elapsed = performance.now() - started
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status}: ${result.stderr}`)
  }
  return elapsed
}

const main = () => {
  const argv = process.argv.slice(2)
  const option = (name: string) => {
    const at = argv.indexOf(name)
    return at >= 0 ? argv[at + 1] : undefined
  }
  const runs = Number(option("--runs") ?? 11)
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer, got ${option("--runs")}`)
  const loadStart = loadavg()[0]!
  // One untimed run each (the first run after a build may write the code cache), then the runs
  // interleaved, so that a change in the machine's load affects every case alike.
  for (const entry of cases) timeOnce(entry)
  const timings = new Map(cases.map((entry) => [entry.name, [] as Array<number>]))
  for (let run = 0; run < runs; run++)
    for (const entry of cases) timings.get(entry.name)!.push(timeOnce(entry))
  const rows = cases.map((entry) => {
    const sorted = ascending(timings.get(entry.name)!)
    return {
      name: entry.name,
      medianMs: Math.round(percentile(sorted, 50)),
      p90Ms: Math.round(percentile(sorted, 90))
    }
  })
  const results = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    runs,
    machine: { loadAverageStart: loadStart, loadAverageEnd: loadavg()[0]! },
    rows
  }
  for (const row of rows)
    console.log(`${row.name.padEnd(36)} median ${row.medianMs} ms   p90 ${row.p90Ms} ms`)
  console.log(
    `load average ${loadStart.toFixed(1)} → ${results.machine.loadAverageEnd.toFixed(1)}, ${runs} runs each`
  )
  const json = option("--json")
  if (json !== undefined) {
    makeDirectories(dirname(json))
    writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`)
  }
}

main()
