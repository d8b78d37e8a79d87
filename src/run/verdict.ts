// A block's status from what its shell reported, with the words the transcript shows.
import type { Step } from '../plan/types.js'
import { formatDuration } from '../common/durations.js'
import type { ShellRunResult } from '../shell/session.js'
import type { BlockStatus } from '../events/events.js'

export function verdict(res: ShellRunResult, step: Step, aborted: boolean): { status: BlockStatus; message?: string } {
  if (res.error) return { status: res.interrupted || aborted ? 'interrupted' : 'failed', message: res.error }
  if (res.timedOut)
    return {
      status: 'timed-out',
      message: `timed out after ${formatDuration(step.timeoutMs ?? 0)}: docrun killed its process group (SIGTERM, then SIGKILL after 5s)`,
    }
  if (res.interrupted || (aborted && res.status !== 0))
    return { status: 'interrupted', message: 'interrupted: docrun stopped the block (SIGINT to its process group)' }
  if (res.status !== 0) return { status: 'failed', message: `exited with status ${res.status}` }
  return { status: 'passed' }
}
