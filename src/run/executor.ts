// Walks the decided plan (resume.ts) and nothing else: for each step, skip it, or ensure its
// guest, run it and record it; stop at the first block that does not pass.
import { EXIT } from '../common/exit-codes.js'
import type { BlockStatus } from '../events/events.js'
import { now } from '../events/events.js'
import { skipWords } from '../plan/skip.js'
import type { RunContext, RunOutcome } from './context.js'
import { runOrRestore } from './cached.js'
import { runUnlessDone } from './already-done.js'
import { ensureGuest } from './guest-reboot.js'
import type { StepDecision } from './resume.js'
import { failWithoutRunning, runAndRecord } from './run-block.js'

export async function walk(ctx: RunContext, steps: StepDecision[]): Promise<RunOutcome> {
  const { bus, signal } = ctx.opts
  for (const d of steps) {
    const step = d.step
    if (d.action === 'skip') {
      if (d.skip.kind !== 'not-selected') await bus.emit({ type: 'block-skip', time: now(), step: step.id, reason: skipWords(d.skip), kind: d.skip.kind })
      continue
    }
    if (d.action === 'done') {
      ctx.counts.skipped++
      await bus.emit({ type: 'block-skip', time: now(), step: step.id, reason: 'done in an earlier run', kind: 'done' })
      continue
    }
    if (signal.aborted) return ended(ctx, 'interrupted', step.id)
    if (step.refuse) {
      await failWithoutRunning(ctx, step, step.refuse)
      return ended(ctx, 'failed', step.id)
    }
    if (step.target.kind === 'guest') {
      ctx.lastProbe = undefined
      const stopped = await ensureGuest(ctx, step)
      if (stopped) return stopped
    }
    // A step that runs more than its block (a done-if test, a cache restore or store, a guest's boot) may change what a
    // probe sees: the next block probes again.
    const plain = !step.doneIf && !step.cache?.length && !step.inputs && !step.cacheAfter && step.target.kind !== 'guest'
    if (!plain) ctx.lastProbe = undefined
    const result = await runUnlessDone(ctx, step, () => runOrRestore(ctx, step, () => runAndRecord(ctx, step)))
    if (!plain) ctx.lastProbe = undefined
    if (result.interventions?.at(-1)?.action === 'abort')
      return { status: 'interrupted', exitCode: EXIT.interrupted, counts: ctx.counts, failed: step.id, aborted: true }
    // Skipped here only by a person at --debug: the run goes on.
    if (result.status !== 'passed' && result.status !== 'skipped') return ended(ctx, result.status, step.id)
  }
  return { status: 'passed', exitCode: EXIT.ok, counts: ctx.counts }
}

/** The run's outcome when a block did not pass: interrupted, or failed (failed, timed out). */
function ended(ctx: RunContext, status: BlockStatus, step: string): RunOutcome {
  if (status === 'interrupted') return { status: 'interrupted', exitCode: EXIT.interrupted, counts: ctx.counts, failed: step }
  return { status: 'failed', exitCode: EXIT.failed, counts: ctx.counts, failed: step }
}
