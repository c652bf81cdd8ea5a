/**
 * Parity of src/routers/PromptFeatures.ts with feats.py + feats2.py: reads the dump of
 * feature_parity.py and prints the largest absolute difference per feature.
 * usage: npx tsx scripts/experiments/mmlu-stacking/feature-parity.ts OUT.json
 */
import { readFileSync } from "node:fs"
import * as PromptFeatures from "../../../src/routers/PromptFeatures.ts"

const dump = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as {
  prompts: Array<string>
  features: Array<Array<number>>
}
const frequency = PromptFeatures.documentFrequency(dump.prompts)
let worst = 0
const perFeature = new Array<number>(PromptFeatures.featureNames.length).fill(0)
dump.prompts.forEach((prompt, row) => {
  const values = PromptFeatures.features(prompt, frequency)
  values.forEach((value, column) => {
    const difference = Math.abs(value - dump.features[row]![column]!)
    if (difference > 1e-9 && perFeature[column] === 0)
      console.log(
        `row ${row} ${PromptFeatures.featureNames[column]}: ts ${value} py ${dump.features[row]![column]}`
      )
    perFeature[column] = Math.max(perFeature[column]!, difference)
    worst = Math.max(worst, difference)
  })
})
console.log(`prompts ${dump.prompts.length}, max abs difference ${worst}`)
