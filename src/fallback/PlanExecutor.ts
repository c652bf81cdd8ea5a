/**
 * Executes the failover structure of a plan tree — sequences, retries, timeouts, hedges — over any
 * "call one deployment" effect. `Runner.run` plugs in a chat completion and `Runner.stream` the
 * opening of a stream; both share the same semantics:
 *
 * - every attempt first asks the circuit breaker (`Cooldowns.acquire`): an open circuit is skipped,
 *   a half-open one lets exactly one probe through; skipped attempts cost nothing;
 * - a run has a budget of attempts (`maxAttempts`), so nested retries of fallbacks cannot multiply
 *   into a retry storm; a plan is a tree, so it cannot loop;
 * - after a `ContextWindowExceeded`, attempts at deployments whose window is not larger than the
 *   one exceeded are skipped;
 * - `Timeout` around a single `Attempt` is a per-attempt timeout (a failure of that deployment);
 *   around anything else it is a deadline for the whole subtree;
 * - in a `Hedge`, the first success wins; the others are interrupted (which aborts their HTTP
 *   requests) and, should two succeed at once, the second is discarded with `discard`.
 *
 * @since 0.1.0
 */
import { Clock, Data, Duration, Effect, Ref } from "effect"
import type { Deployment } from "../core/Deployment.ts"
import type { ProviderFailure } from "../core/Errors.ts"
import { Timeout } from "../core/Errors.ts"
import type { Attempt, HedgeStep, PlanNode, Sequence } from "../core/Plan.ts"
import { Cooldowns } from "../state/Cooldowns.ts"
import { LatencyStats } from "../state/LatencyStats.ts"
import { UsageCounters } from "../state/UsageCounters.ts"
import { withDeadline } from "../providers/Deadline.ts"
import * as RetrySchedule from "./RetrySchedule.ts"
import type { AttemptRecord } from "./Trace.ts"

/**
 * An attempt that was not made (open circuit, spent budget, too small a window, lost hedge).
 * Internal to execution: skipped attempts never reach the caller as errors.
 * @since 0.1.0
 */
export class Skipped extends Data.TaggedError("Skipped")<{
  readonly deployment: string
  readonly reason: string
}> {}

/** @since 0.1.0 */
export type NodeFailure = ProviderFailure | Skipped

/**
 * The shared, mutable bookkeeping of one run.
 * @since 0.1.0
 */
export interface Execution {
  readonly maxAttempts: number
  readonly attemptsMade: Ref.Ref<number>
  readonly records: Ref.Ref<ReadonlyArray<AttemptRecord>>
  readonly failures: Ref.Ref<ReadonlyArray<ProviderFailure>>
  /** Largest context window known to be too small for this request (0 = none yet). */
  readonly exceededWindow: Ref.Ref<{ readonly window: number; readonly deployments: ReadonlyArray<string> }>
}

/** @since 0.1.0 */
export const makeExecution = (maxAttempts: number): Effect.Effect<Execution> =>
  Effect.all({
    attemptsMade: Ref.make(0),
    records: Ref.make<ReadonlyArray<AttemptRecord>>([]),
    failures: Ref.make<ReadonlyArray<ProviderFailure>>([]),
    exceededWindow: Ref.make<{ readonly window: number; readonly deployments: ReadonlyArray<string> }>({
      window: 0,
      deployments: []
    })
  }).pipe(Effect.map((refs) => ({ maxAttempts, ...refs })))

/** @since 0.1.0 */
export const addRecord = (execution: Execution, record: AttemptRecord): Effect.Effect<void> =>
  Ref.update(execution.records, (records) => [...records, record])

/**
 * How to call one deployment. `call` does its own success bookkeeping (it knows the tokens); the
 * executor records failures, skips and cancellations.
 * @since 0.1.0
 */
export interface CallDeployment<A, R> {
  readonly call: (attempt: Attempt, startedAtMs: number) => Effect.Effect<A, ProviderFailure, R>
  /** Releases a success that lost a hedge race (closes a stream). */
  readonly discard: (value: A) => Effect.Effect<void>
}

const failureMessage = (failure: ProviderFailure) => failure.message

/**
 * Records a failed attempt in the trace and in state (circuit breaker, usage, latency for timeouts).
 * @since 0.1.0
 */
export const recordFailure = (
  execution: Execution,
  attempt: Attempt,
  failure: ProviderFailure,
  startedAtMs: number,
  outcome: AttemptRecord["outcome"] = "failed"
) =>
  Effect.gen(function* () {
    const cooldowns = yield* Cooldowns
    const usage = yield* UsageCounters
    const latency = yield* LatencyStats
    const now = yield* Clock.currentTimeMillis
    const id = attempt.deployment.id
    yield* Ref.update(execution.failures, (failures) => [...failures, failure])
    yield* addRecord(execution, {
      deployment: id,
      path: attempt.path,
      outcome,
      failure: failure._tag,
      message: failureMessage(failure),
      startedAtMs,
      latencyMs: now - startedAtMs
    })
    yield* cooldowns.recordFailure(id, failure._tag)
    yield* usage.record(id, 0)
    // A timeout is a latency observation too: latency-based balancing should see it.
    if (failure._tag === "Timeout")
      yield* latency.record(id, { latencyMs: now - startedAtMs, outputTokens: 0 })
    if (failure._tag === "ContextWindowExceeded") {
      const window = attempt.deployment.contextWindow ?? 0
      yield* Ref.update(execution.exceededWindow, (current) => ({
        window: Math.max(current.window, window),
        deployments: [...current.deployments, id]
      }))
    }
  })

const skip = (execution: Execution, attempt: Attempt, reason: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    addRecord(execution, {
      deployment: attempt.deployment.id,
      path: attempt.path,
      outcome: "skipped",
      message: reason,
      startedAtMs: now
    }).pipe(Effect.zipRight(Effect.fail(new Skipped({ deployment: attempt.deployment.id, reason }))))
  )

const windowTooSmall = (
  deployment: Deployment,
  exceeded: { readonly window: number; readonly deployments: ReadonlyArray<string> }
) =>
  exceeded.deployments.includes(deployment.id) ||
  (exceeded.window > 0 &&
    deployment.contextWindow !== undefined &&
    deployment.contextWindow <= exceeded.window)

const tryAttempt = <A, R>(
  execution: Execution,
  calls: CallDeployment<A, R>,
  attempt: Attempt,
  timeoutMs?: number
) =>
  Effect.gen(function* () {
    const id = attempt.deployment.id
    const exceeded = yield* Ref.get(execution.exceededWindow)
    if (windowTooSmall(attempt.deployment, exceeded)) {
      return yield* skip(
        execution,
        attempt,
        `context window not larger than the ${exceeded.window}-token window already exceeded`
      )
    }
    const made = yield* Ref.get(execution.attemptsMade)
    if (made >= execution.maxAttempts)
      return yield* skip(execution, attempt, `attempt budget of ${execution.maxAttempts} spent`)
    const cooldowns = yield* Cooldowns
    if (!(yield* cooldowns.acquire(id))) {
      const state = yield* cooldowns.state(id)
      return yield* skip(
        execution,
        attempt,
        state._tag === "Open" ? `circuit open: ${state.reason}` : "circuit half-open: a probe is in flight"
      )
    }
    yield* Ref.update(execution.attemptsMade, (n) => n + 1)
    const startedAtMs = yield* Clock.currentTimeMillis
    const call = calls.call(attempt, startedAtMs)
    const bounded =
      timeoutMs === undefined
        ? call
        : withDeadline(
            call,
            timeoutMs,
            () =>
              new Timeout({
                deployment: id,
                afterMs: timeoutMs,
                message: `${id}: no answer within the attempt timeout of ${timeoutMs} ms`
              })
          )
    return yield* bounded.pipe(
      Effect.tapError((failure) => recordFailure(execution, attempt, failure, startedAtMs)),
      Effect.onInterrupt(() =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          addRecord(execution, {
            deployment: id,
            path: attempt.path,
            outcome: "cancelled",
            startedAtMs,
            latencyMs: now - startedAtMs
          })
        )
      )
    )
  }).pipe(
    Effect.withSpan("Runner.attempt", {
      attributes: { deployment: attempt.deployment.id, path: attempt.path }
    })
  )

const runSequence = <A, R>(
  execution: Execution,
  calls: CallDeployment<A, R>,
  node: Sequence
): Effect.Effect<A, NodeFailure, R | Dependencies> =>
  Effect.gen(function* () {
    let last: NodeFailure | undefined
    for (const [index, step] of node.steps.entries()) {
      const result = yield* Effect.either(execute(execution, calls, step))
      if (result._tag === "Right") return result.right
      last = result.left
      const isLast = index === node.steps.length - 1
      if (isLast) break
      if (last._tag !== "Skipped" && node.fallbackOn !== undefined && !node.fallbackOn.includes(last._tag))
        break
    }
    return yield* Effect.fail(
      last ?? new Skipped({ deployment: node.path, reason: "empty fallback sequence" })
    )
  })

const runHedge = <A, R>(
  execution: Execution,
  calls: CallDeployment<A, R>,
  node: HedgeStep
): Effect.Effect<A, NodeFailure, R | Dependencies> =>
  Effect.gen(function* () {
    const won = yield* Ref.make(false)
    // A success claims the win atomically; a late second success is released and counts as lost.
    const claim = (value: A) =>
      Effect.flatMap(Ref.getAndSet(won, true), (already) =>
        already
          ? Effect.zipRight(
              calls.discard(value),
              Effect.fail(new Skipped({ deployment: node.path, reason: "lost the hedge race" }))
            )
          : Effect.succeed(value)
      )
    const branch = (step: PlanNode) =>
      Effect.uninterruptibleMask((restore) => Effect.flatMap(restore(execute(execution, calls, step)), claim))
    const hedged = (steps: ReadonlyArray<PlanNode>): Effect.Effect<A, NodeFailure, R | Dependencies> => {
      const [first, ...rest] = steps
      if (first === undefined)
        return Effect.fail(new Skipped({ deployment: node.path, reason: "empty hedge" }))
      if (rest.length === 0) return branch(first)
      return Effect.gen(function* () {
        const firstFailed = yield* Effect.makeLatch(false)
        const primary = branch(first).pipe(Effect.tapError(() => firstFailed.open))
        // The next step starts after the delay, or at once if the first one failed before it.
        const backup = Effect.raceFirst(Effect.sleep(Duration.millis(node.delayMs)), firstFailed.await).pipe(
          Effect.zipRight(hedged(rest))
        )
        return yield* Effect.race(primary, backup)
      })
    }
    return yield* hedged(node.steps)
  })

/** The state services execution reads and writes. @since 0.1.0 */
export type Dependencies = Cooldowns | UsageCounters | LatencyStats

/**
 * Executes a plan node.
 * @since 0.1.0
 */
export const execute = <A, R>(
  execution: Execution,
  calls: CallDeployment<A, R>,
  node: PlanNode
): Effect.Effect<A, NodeFailure, R | Dependencies> => {
  switch (node._tag) {
    case "Attempt":
      return tryAttempt(execution, calls, node)
    case "Sequence":
      return runSequence(execution, calls, node)
    case "Hedge":
      return runHedge(execution, calls, node)
    case "Retry":
      return Effect.retry(
        execute(execution, calls, node.node),
        RetrySchedule.fromPolicy<NodeFailure>(node.policy)
      )
    case "Timeout": {
      if (node.node._tag === "Attempt") return tryAttempt(execution, calls, node.node, node.ms)
      return withDeadline(
        execute(execution, calls, node.node),
        node.ms,
        () =>
          new Timeout({
            deployment: node.path,
            afterMs: node.ms,
            message: `${node.path}: no answer within ${node.ms} ms`
          })
      ).pipe(
        Effect.tapError((failure) =>
          failure._tag === "Timeout" && failure.deployment === node.path
            ? Ref.update(execution.failures, (all) => [...all, failure])
            : Effect.void
        )
      )
    }
  }
}
