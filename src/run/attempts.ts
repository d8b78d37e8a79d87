// {retry=N} and {until=DURATION}: a block that fails runs again after delay= (NixOS's
// wait_until_succeeds). Every attempt is said in the run's notes with its own output file; the
// block's result is its last attempt's.
import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { formatDuration } from '../common/durations.js'
import type { BlockResult } from '../events/events.js'
import type { Step } from '../plan/types.js'
import { safeName } from '../state/paths.js'
import type { RunContext } from './context.js'

const retriable = (r: BlockResult) => r.status === 'failed' || r.status === 'timed-out'

export async function withRetries(ctx: RunContext, step: Step, run: (attempt: number) => Promise<BlockResult>): Promise<BlockResult> {
  const policy = step.retry
  const t0 = performance.now()
  for (let attempt = 1; ; attempt++) {
    const result = await run(attempt)
    if (!policy || !retriable(result) || ctx.opts.signal.aborted) return attempt > 1 ? { ...result, attempts: attempt } : result
    const elapsed = performance.now() - t0
    const more = policy.attempts !== undefined ? attempt <= policy.attempts : elapsed + policy.delayMs < policy.untilMs!
    const limit = policy.attempts !== undefined ? `of ${policy.attempts + 1}` : `after ${formatDuration(elapsed)} of ${formatDuration(policy.untilMs!)}`
    if (!more) return { ...result, attempts: attempt, message: `${result.message ?? result.status} (attempt ${attempt} ${limit}: gave up)` }
    const kept = await keepAttemptOutput(ctx, step, result, attempt)
    await ctx.note(
      `attempt ${attempt} ${limit} ${result.status}: ${result.message ?? ''}${kept ? ` (output: ${kept})` : ''}; again in ${formatDuration(policy.delayMs)}`,
      'warn',
      step.id,
    )
    try {
      await sleep(policy.delayMs, undefined, { signal: ctx.opts.signal })
    } catch {
      return { ...result, attempts: attempt }
    }
  }
}

/** An attempt's output stays beside the block's own file: output/NAME.attempt-N.log. */
async function keepAttemptOutput(ctx: RunContext, step: Step, result: BlockResult, attempt: number): Promise<string | undefined> {
  if (!result.outputFile) return undefined
  const kept = join('output', `${safeName(step.id)}.attempt-${attempt}.log`)
  return rename(join(ctx.opts.runDir, result.outputFile), join(ctx.opts.runDir, kept)).then(
    () => kept,
    () => undefined,
  )
}
