// `{done-if=CMD}`: a block whose effect persists and cannot be repeated (debootstrap's second
// stage removes /debootstrap; a chroot made once) says how to tell that it is already done.
// Before the block runs, CMD runs on the block's target without touching its shell state; when
// it succeeds, the block is recorded as passed without running, and the transcript says why.
// Any other outcome (it fails, it cannot run) lets the block run as it would without the attribute.
import { formatDuration } from '../common/durations.js'
import { now, type BlockResult } from '../events/events.js'
import type { Step } from '../plan/types.js'
import type { RunContext } from './context.js'

/** How long the test may take: it is a `test -e` or a `grep`, not work. */
const DONE_IF_TIMEOUT_MS = 60_000

/** Run the step unless its `done-if` holds on its target. */
export async function runUnlessDone(ctx: RunContext, step: Step, run: () => Promise<BlockResult>): Promise<BlockResult> {
  if (!step.doneIf || step.action === 'file') return run()
  const t0 = performance.now()
  const held = await doneIfHolds(ctx, step, step.doneIf)
  if (held !== true) {
    if (held) await ctx.note(`done-if could not be tested (${held}); the block runs`, 'warn', step.id)
    return run()
  }
  const startedAt = now()
  await ctx.opts.bus.emit({ type: 'block-start', time: startedAt, step: step.id, target: step.target.name, attempt: 1 })
  const result: BlockResult = {
    ...{ status: 'passed', exitCode: null, timedOut: false, interrupted: false, startedAt, outputBytes: 0 },
    durationMs: performance.now() - t0,
    message: alreadyDoneWords(step),
    alreadyDone: step.doneIf,
  }
  ctx.counts.passed++
  await ctx.record.blockEnded(step, result)
  await ctx.opts.bus.emit({ type: 'block-end', time: now(), step: step.id, result })
  return result
}

export function alreadyDoneWords(step: Pick<Step, 'doneIf' | 'target'>): string {
  return `already done: \`${step.doneIf}\` holds on ${step.target.name}; the block did not run again`
}

/** True when CMD exits 0; false when it exits otherwise; a string when it could not run. */
async function doneIfHolds(ctx: RunContext, step: Step, cmd: string): Promise<true | false | string> {
  // A boot block's target is where QEMU runs: the test runs there too (on the image file, say).
  const session = await ctx.pool.get(step.target).catch((e: Error) => e)
  if (session instanceof Error) return session.message
  const res = await session.exec(cmd, { errexit: false, timeoutMs: DONE_IF_TIMEOUT_MS, signal: ctx.opts.signal })
  if (res.timedOut) return `it did not finish within ${formatDuration(DONE_IF_TIMEOUT_MS)}`
  if (res.error) return res.error
  return res.status === 0
}
