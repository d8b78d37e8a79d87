// How a person's step-in at a block (`docrun run --debug`) is said in every record: transcript, junit, summary, terminal.
import { formatDuration } from '../common/durations.js'
import type { Intervention } from '../events/events.js'

const CHOSE: Record<Intervention['action'], string> = {
  retry: 'retry',
  continue: 'continue (passed by hand)',
  skip: 'skip',
  abort: 'abort (the run stopped; --resume goes on from here)',
}

/** One line: when the person stepped in, where, for how long, and what they chose. */
export function interventionWords(i: Intervention, opts: { normalize?: boolean } = {}): string {
  const when = i.why === 'breakpoint' ? 'at its {breakpoint}' : `after attempt ${i.attempt} ${i.why === 'timed-out' ? 'timed out' : 'failed'}`
  const chose = i.why === 'breakpoint' && i.action === 'retry' ? 'run it' : CHOSE[i.action]
  const long = opts.normalize ? '' : ` for ${formatDuration(i.durationMs)}`
  return `a person stepped in ${when}, in ${i.where}${long}, and chose ${chose}`
}
