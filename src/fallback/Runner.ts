/**
 * Runs a plan: calls deployments through the `Provider` with the failover structure of the plan
 * (see `PlanExecutor`), feeds every outcome back into routing state (latency, usage, in-flight,
 * circuit breakers, spend) so that the next plan sees it, and returns the answer with its decision
 * trace.
 *
 * Streams fail over transparently until the first content-bearing chunk is about to reach the
 * caller; from then on the stream is committed to its deployment, and a broken upstream ends the
 * caller's stream with `StreamInterrupted` — never with a clean, truncated success
 * (docs/failover.md).
 *
 * @since 0.1.0
 */
import type { Scope } from "effect"
import { Clock, Deferred, Effect, Exit, Option, Ref, Scope as ScopeModule, Stream } from "effect"
import type { ChatCompletionChunk, ChatCompletionRequest } from "../core/ChatCompletion.ts"
import type { Deployment } from "../core/Deployment.ts"
import type { ProviderFailure } from "../core/Errors.ts"
import { AllAttemptsFailed, StreamInterrupted, Unavailable } from "../core/Errors.ts"
import type { Attempt, Plan, PlanNode } from "../core/Plan.ts"
import type { Completion, ProviderStreamEvent, StreamSummary } from "../providers/Provider.ts"
import { Provider } from "../providers/Provider.ts"
import { Cooldowns } from "../state/Cooldowns.ts"
import type { RouterState } from "../state/index.ts"
import { InFlight } from "../state/InFlight.ts"
import { LatencyStats } from "../state/LatencyStats.ts"
import { SpendTracker } from "../state/SpendTracker.ts"
import { UsageCounters } from "../state/UsageCounters.ts"
import type { Execution } from "./PlanExecutor.ts"
import { addRecord, execute, makeExecution, recordFailure } from "./PlanExecutor.ts"
import type { AttemptRecord, RunResult, RunTrace } from "./Trace.ts"

/**
 * Limits of one run.
 * @since 0.1.0
 */
export interface RunOptions {
  /** Most deployment calls in one run, retries included (default 8). */
  readonly maxAttempts?: number
  /** Deadline for the whole run (streams: until the first chunk). */
  readonly timeoutMs?: number
}

/** @since 0.1.0 */
export const defaultMaxAttempts = 8

/**
 * Everything a run needs.
 * @since 0.1.0
 */
export type Requirements = Provider | RouterState

const withDeadline = (plan: Plan, options: RunOptions): PlanNode =>
  options.timeoutMs === undefined
    ? plan.root
    : {
        _tag: "Sequence",
        path: plan.route,
        steps: [{ _tag: "Timeout", path: plan.route, ms: options.timeoutMs, node: plan.root }]
      }

const allFailed = (plan: Plan, execution: Execution) =>
  Effect.gen(function* () {
    const route = plan.route
    const failures = yield* Ref.get(execution.failures)
    const records = yield* Ref.get(execution.records)
    const made = failures.map((failure) => `${failure.deployment}: ${failure._tag}`).join(", ")
    const skipped = records
      .filter((r) => r.outcome === "skipped")
      .map((r) => `${r.deployment} (${r.message ?? "skipped"})`)
    const message =
      failures.length === 0
        ? `No deployment of route ${route} could be tried: ${skipped.join("; ") || "the plan is empty"}. Retry later or add deployments.`
        : `Every attempt for route ${route} failed (${made})${skipped.length > 0 ? `; skipped: ${skipped.join("; ")}` : ""}.`
    return yield* Effect.fail(new AllAttemptsFailed({ route, message, failures, plan }))
  })

const recordSuccess = (
  deployment: Deployment,
  result: {
    readonly latencyMs: number
    readonly usage: Completion["usage"]
    readonly costUsd: number | undefined
    readonly timeToFirstTokenMs?: number
  }
) =>
  Effect.gen(function* () {
    const cooldowns = yield* Cooldowns
    const latency = yield* LatencyStats
    const usage = yield* UsageCounters
    const spend = yield* SpendTracker
    yield* cooldowns.recordSuccess(deployment.id)
    yield* latency.record(deployment.id, {
      latencyMs: result.latencyMs,
      outputTokens: result.usage.completion_tokens,
      ...(result.timeToFirstTokenMs === undefined ? {} : { timeToFirstTokenMs: result.timeToFirstTokenMs })
    })
    yield* usage.record(deployment.id, result.usage.total_tokens)
    if (result.costUsd !== undefined)
      yield* spend.record([`deployment:${deployment.id}`, `provider:${deployment.provider}`], result.costUsd)
  })

const traceOf = (
  route: string,
  records: ReadonlyArray<AttemptRecord>,
  startedAtMs: number,
  now: number,
  extra: Partial<RunTrace> = {}
): RunTrace => ({
  route,
  attempts: records,
  latencyMs: now - startedAtMs,
  ...extra
})

/**
 * Runs a plan to one chat completion.
 *
 * @example
 * import { Effect } from "effect"
 * import { Runner } from "effect-llm-router/fallback"
 *
 * const program = Effect.gen(function* () {
 *   const plan = yield* Router.plan(route, request)
 *   const { response, trace } = yield* Runner.run(plan, request)
 *   console.log(trace.answeredBy, trace.attempts.length, trace.costUsd)
 *   return response
 * })
 *
 * @since 0.1.0
 */
export const run: (
  plan: Plan,
  request: ChatCompletionRequest,
  options?: RunOptions
) => Effect.Effect<RunResult, AllAttemptsFailed, Requirements> = Effect.fn("Runner.run")(function* (
  plan: Plan,
  request: ChatCompletionRequest,
  options: RunOptions = {}
) {
  const provider = yield* Provider
  const inFlight = yield* InFlight
  const execution = yield* makeExecution(options.maxAttempts ?? defaultMaxAttempts)
  const startedAtMs = yield* Clock.currentTimeMillis
  const calls = {
    call: (attempt: Attempt, attemptStartedAtMs: number) =>
      inFlight.track(attempt.deployment.id, provider.complete(attempt.deployment, request)).pipe(
        Effect.tap((completion) =>
          Effect.zipRight(
            recordSuccess(attempt.deployment, completion),
            addRecord(execution, {
              deployment: attempt.deployment.id,
              path: attempt.path,
              outcome: "succeeded",
              startedAtMs: attemptStartedAtMs,
              latencyMs: completion.latencyMs
            })
          )
        ),
        Effect.map((completion) => ({ completion, deployment: attempt.deployment }))
      ),
    discard: () => Effect.void
  }
  const outcome = yield* Effect.either(execute(execution, calls, withDeadline(plan, options)))
  if (outcome._tag === "Left") return yield* allFailed(plan, execution)
  const { completion, deployment } = outcome.right
  const now = yield* Clock.currentTimeMillis
  const trace = traceOf(plan.route, yield* Ref.get(execution.records), startedAtMs, now, {
    answeredBy: deployment.id,
    usage: completion.usage,
    usageSource: completion.usageSource,
    ...(completion.costUsd === undefined ? {} : { costUsd: completion.costUsd })
  })
  return { response: completion.response, deployment, trace }
})

/**
 * A stream that has started: which deployment serves it, the trace so far, the chunks, and the
 * final trace once the stream ends.
 * @since 0.1.0
 */
export interface StreamRun {
  readonly deployment: Deployment
  /** Attempts up to the opening of the stream (the serving one is `streaming`). */
  readonly trace: RunTrace
  /** The caller's chunks; fails with `StreamInterrupted` if the upstream breaks mid-way. */
  readonly chunks: Stream.Stream<ChatCompletionChunk, StreamInterrupted>
  /**
   * The same chunks, one per pull (`chunks` is `Stream.repeatEffectOption(next)`): for callers that
   * pull directly (the server and the in-process client) instead of paying for a stream stage per
   * chunk. Fails with `None` after the last chunk. Use `chunks` or `next`, not both.
   */
  readonly next: Effect.Effect<ChatCompletionChunk, Option.Option<StreamInterrupted>>
  /** The final trace (with usage, cost, ttft) after the last chunk, or the interruption. */
  readonly result: Effect.Effect<RunTrace, StreamInterrupted>
}

interface OpenedStream {
  readonly attempt: Attempt
  readonly startedAtMs: number
  readonly timeToFirstTokenMs: number
  readonly buffered: ReadonlyArray<ChatCompletionChunk>
  readonly summary: StreamSummary | undefined
  readonly pull: Effect.Effect<Iterable<ProviderStreamEvent>, Option.Option<ProviderFailure>>
  readonly scope: ScopeModule.CloseableScope
}

const carriesContent = (chunk: ChatCompletionChunk) =>
  chunk.choices.some(
    (c) =>
      (c.delta.content ?? "") !== "" ||
      (c.delta.tool_calls?.length ?? 0) > 0 ||
      (c.finish_reason ?? null) !== null
  ) ||
  (chunk.choices.length === 0 && chunk.usage !== undefined && chunk.usage !== null)

const endedEarly = (deployment: string) =>
  new Unavailable({ deployment, message: `${deployment}: the stream ended before its last chunk` })

/** Opens an upstream stream and holds its chunks back until one carries content. */
const openAttempt = (request: ChatCompletionRequest, attempt: Attempt, startedAtMs: number) =>
  Effect.gen(function* () {
    const provider = yield* Provider
    const inFlight = yield* InFlight
    const id = attempt.deployment.id
    const pull: Effect.Effect<
      Iterable<ProviderStreamEvent>,
      Option.Option<ProviderFailure>
    > = provider.open === undefined
      ? yield* Stream.toPull(provider.stream(attempt.deployment, request))
      : Effect.map(yield* provider.open(attempt.deployment, request), (event) => [event])
    // Counted in flight until the attempt's scope closes (end of stream, failure or abort).
    yield* inFlight.enter(id)
    const buffered: Array<ChatCompletionChunk> = []
    let summary: StreamSummary | undefined
    while (summary === undefined && !buffered.some(carriesContent)) {
      const events = yield* pull.pipe(Effect.mapError(Option.getOrElse(() => endedEarly(id))))
      for (const event of events) {
        if (event._tag === "Chunk") buffered.push(event.chunk)
        else summary = event.summary
      }
    }
    const now = yield* Clock.currentTimeMillis
    return { attempt, startedAtMs, timeToFirstTokenMs: now - startedAtMs, buffered, summary, pull }
  })

/**
 * Opens a stream for a plan: fails over (retries, fallbacks, hedges) until a deployment produced
 * its first content chunk, then commits to it. Fails with `AllAttemptsFailed` when nothing opened.
 *
 * @since 0.1.0
 */
export const open: (
  plan: Plan,
  request: ChatCompletionRequest,
  options?: RunOptions
) => Effect.Effect<StreamRun, AllAttemptsFailed, Requirements | Scope.Scope> = Effect.fn("Runner.open")(
  function* (plan: Plan, request: ChatCompletionRequest, options: RunOptions = {}) {
    const execution = yield* makeExecution(options.maxAttempts ?? defaultMaxAttempts)
    const startedAtMs = yield* Clock.currentTimeMillis
    const context = yield* Effect.context<Requirements>()
    const calls = {
      call: (attempt: Attempt, attemptStartedAtMs: number) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function* () {
            const scope = yield* ScopeModule.make()
            const exit = yield* Effect.exit(
              restore(ScopeModule.extend(openAttempt(request, attempt, attemptStartedAtMs), scope))
            )
            if (Exit.isFailure(exit)) {
              yield* ScopeModule.close(scope, exit)
              return yield* Effect.failCause(exit.cause)
            }
            const opened: OpenedStream = { ...exit.value, scope }
            return opened
          })
        ),
      discard: (opened: OpenedStream) => ScopeModule.close(opened.scope, Exit.void)
    }
    const outcome = yield* Effect.either(execute(execution, calls, withDeadline(plan, options)))
    if (outcome._tag === "Left") return yield* allFailed(plan, execution)
    const opened = outcome.right
    const { attempt } = opened
    const deployment = attempt.deployment
    const streaming: AttemptRecord = {
      deployment: deployment.id,
      path: attempt.path,
      outcome: "streaming",
      startedAtMs: opened.startedAtMs,
      timeToFirstTokenMs: opened.timeToFirstTokenMs
    }
    yield* addRecord(execution, streaming)
    const openedAt = yield* Clock.currentTimeMillis
    const traceSoFar = traceOf(plan.route, yield* Ref.get(execution.records), startedAtMs, openedAt, {
      answeredBy: deployment.id,
      timeToFirstTokenMs: openedAt - startedAtMs
    })
    const done = yield* Deferred.make<RunTrace, StreamInterrupted>()
    const settle = (record: AttemptRecord, extra: Partial<RunTrace>) =>
      Effect.gen(function* () {
        yield* Ref.update(execution.records, (records) => records.map((r) => (r === streaming ? record : r)))
        const now = yield* Clock.currentTimeMillis
        const trace = traceOf(plan.route, yield* Ref.get(execution.records), startedAtMs, now, {
          answeredBy: deployment.id,
          timeToFirstTokenMs: traceSoFar.timeToFirstTokenMs ?? 0,
          ...extra
        })
        return trace
      })
    // Ties the upstream to the caller's scope: when the caller stops, the HTTP request is aborted.
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(
        ScopeModule.close(opened.scope, Exit.void),
        Effect.flatMap(Deferred.isDone(done), (isDone) =>
          isDone
            ? Effect.void
            : Effect.flatMap(settle({ ...streaming, outcome: "cancelled" }, {}), (trace) =>
                Deferred.succeed(done, trace)
              )
        )
      )
    )
    const queue: Array<ChatCompletionChunk> = [...opened.buffered]
    let summary = opened.summary
    let sent = 0
    const finish = (final: StreamSummary) =>
      Effect.gen(function* () {
        yield* recordSuccess(deployment, final)
        const now = yield* Clock.currentTimeMillis
        const trace = yield* settle(
          { ...streaming, outcome: "succeeded", latencyMs: now - opened.startedAtMs },
          {
            usage: final.usage,
            usageSource: final.usageSource,
            ...(final.costUsd === undefined ? {} : { costUsd: final.costUsd })
          }
        )
        yield* Deferred.succeed(done, trace)
      })
    const broken = (failure: ProviderFailure) =>
      Effect.gen(function* () {
        const interrupted = new StreamInterrupted({
          deployment: deployment.id,
          chunksSent: sent,
          // Only our own classification: this message reaches the caller (the server's error
          // event); the upstream's text, in `cause`, is for the log.
          message: `${deployment.id}: the stream broke after ${sent} chunk(s) had reached the caller (${failure._tag}). The answer is incomplete; retry the request.`,
          cause: failure
        })
        yield* recordFailure(execution, attempt, interrupted, opened.startedAtMs, "interrupted")
        yield* Ref.update(execution.records, (records) => records.filter((r) => r !== streaming))
        const now = yield* Clock.currentTimeMillis
        yield* Deferred.fail(done, interrupted)
        yield* Effect.annotateCurrentSpan("interruptedAfterMs", now - opened.startedAtMs)
        return yield* Effect.fail(Option.some(interrupted))
      })
    const next: Effect.Effect<ChatCompletionChunk, Option.Option<StreamInterrupted>> = Effect.gen(
      function* () {
        while (true) {
          const queued = queue.shift()
          if (queued !== undefined) {
            sent += 1
            return queued
          }
          if (summary !== undefined) {
            if (!(yield* Deferred.isDone(done))) yield* Effect.provide(finish(summary), context)
            return yield* Effect.fail(Option.none())
          }
          const events = yield* opened.pull.pipe(
            Effect.catchAll((error) =>
              Effect.provide(broken(Option.getOrElse(error, () => endedEarly(deployment.id))), context)
            )
          )
          for (const event of events) {
            if (event._tag === "Chunk") queue.push(event.chunk)
            else summary = event.summary
          }
        }
      }
    )
    return {
      deployment,
      trace: traceSoFar,
      chunks: Stream.repeatEffectOption(next),
      next,
      result: Deferred.await(done)
    }
  }
)

/**
 * Runs a plan as a stream of chunks. Fails with `AllAttemptsFailed` when no deployment could start
 * the stream, and with `StreamInterrupted` when the serving upstream broke after chunks had been
 * delivered. Use `open` to also get the deployment and trace.
 *
 * @example
 * import { Stream } from "effect"
 * import { Runner } from "effect-llm-router/fallback"
 *
 * Runner.stream(plan, request).pipe(Stream.runForEach((chunk) => Console.log(chunk.choices[0]?.delta.content)))
 *
 * @since 0.1.0
 */
export const stream = (
  plan: Plan,
  request: ChatCompletionRequest,
  options: RunOptions = {}
): Stream.Stream<ChatCompletionChunk, AllAttemptsFailed | StreamInterrupted, Requirements> =>
  Stream.unwrapScoped(Effect.map(open(plan, request, options), (running) => running.chunks))
