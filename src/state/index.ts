/**
 * Routing state: latency, usage, in-flight counts, cooldowns, spend and session affinity.
 * @since 0.1.0
 */
import { Layer } from "effect"
import * as Cooldowns from "./Cooldowns.ts"
import * as InFlight from "./InFlight.ts"
import * as LatencyStats from "./LatencyStats.ts"
import * as SessionAffinity from "./SessionAffinity.ts"
import * as SpendTracker from "./SpendTracker.ts"
import * as UsageCounters from "./UsageCounters.ts"

export { Cooldowns, InFlight, LatencyStats, SessionAffinity, SpendTracker, UsageCounters }

/**
 * Every state service the router reads, in memory.
 * @since 0.1.0
 */
export type RouterState =
  | Cooldowns.Cooldowns
  | InFlight.InFlight
  | LatencyStats.LatencyStats
  | SessionAffinity.SessionAffinity
  | SpendTracker.SpendTracker
  | UsageCounters.UsageCounters

/**
 * All state services in process memory (one router process, nothing shared).
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<RouterState> = Layer.mergeAll(
  Cooldowns.layerMemory(),
  InFlight.layerMemory,
  LatencyStats.layerMemory(),
  SessionAffinity.layerMemory(),
  SpendTracker.layerMemory,
  UsageCounters.layerMemory
)
