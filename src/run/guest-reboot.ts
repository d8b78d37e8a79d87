// Before a guest block: its guest must be running. A guest does not outlive docrun, so a run
// that starts after its start block boots it again (start block, then its {setup} blocks).
import type { Step } from '../plan/types.js'
import { EXIT } from '../common/exit-codes.js'
import type { RunContext, RunOutcome } from './context.js'
import { failWithoutRunning, runAndRecord } from './run-block.js'
import { guestRestart } from './resume.js'

/** Undefined when the guest runs (now); else the run's outcome, the block failed with the reason. */
export async function ensureGuest(ctx: RunContext, step: Step): Promise<RunOutcome | undefined> {
  const name = step.target.name
  const status = ctx.pool.guestStatus(name)
  if (status.state === 'running') return undefined
  const failed = (id: string): RunOutcome => ({ status: 'failed', exitCode: EXIT.failed, counts: ctx.counts, failed: id })
  if (status.state === 'stopped') {
    // It died between blocks: say so and stop, never boot a fresh one behind the user's back.
    await failWithoutRunning(ctx, step, `guest ${name} is gone: ${status.reason}`, ctx.pool.consoleTail(name))
    return failed(step.id)
  }
  const restart = guestRestart(ctx.opts.plan, step)
  if (!restart) {
    await failWithoutRunning(ctx, step, `guest ${name} is not running and no block before this one starts it (a block marked {guest=${name}})`)
    return failed(step.id)
  }
  const { start, setups } = restart
  const then = setups.length ? `, then its setup block${setups.length > 1 ? 's' : ''} ${setups.map((s) => s.id).join(', ')}` : ''
  await ctx.note(`guest ${name} is not running (a guest does not outlive docrun): booting it again with ${start.id}${then}`, 'info', step.id)
  for (const s of [start, ...setups]) {
    const r = await runAndRecord(ctx, s)
    if (r.status === 'interrupted') return { status: 'interrupted', exitCode: EXIT.interrupted, counts: ctx.counts, failed: s.id }
    if (r.status !== 'passed') return failed(s.id)
  }
  return undefined
}
