// Plain output (logs, CI, --verbose): timestamped block headers, the blocks' output as it
// comes, outcomes. Terminals get live.ts instead.
import type { Plan } from '../plan/types.js'
import { formatDuration } from '../common/durations.js'
import type { RunEvent } from '../events/events.js'
import { STATUS_MARK } from './marks.js'
import { failureDetails } from './failure-details.js'

export interface ConsoleOptions {
  quiet?: boolean
  /** Prefix status lines with the time (plain output for logs and CI). */
  timestamps?: boolean
  write?: (text: string) => void
}

export class ConsoleReporter {
  private plan: Plan | undefined
  private atLineStart = true
  private readonly write: (text: string) => void
  constructor(private readonly opts: ConsoleOptions = {}) {
    this.write = opts.write ?? ((t) => process.stdout.write(t))
  }

  private line(text: string): void {
    if (!this.atLineStart) this.write('\n')
    // The event's own time: a followed run's history shows when things happened, not when read.
    const stamp = this.opts.timestamps ? `[${new Date(this.time ?? Date.now()).toISOString().slice(11, 19)}] ` : ''
    this.write(text.startsWith('\n') ? `\n${stamp}${text.slice(1)}\n` : `${stamp}${text}\n`)
    this.atLineStart = true
  }

  private time: string | undefined

  on(e: RunEvent): void {
    this.time = e.time
    const q = this.opts.quiet
    switch (e.type) {
      case 'run-start':
        this.plan = e.plan
        if (!q) this.line(`docrun: ${e.resumed ? 'resuming' : 'running'} ${e.plan.runbook.path} (run ${e.runId})`)
        break
      case 'note':
        if (!q || e.level === 'warn') this.line(`docrun: ${e.message}`)
        break
      case 'block-start': {
        if (q) break
        const step = this.plan?.steps.find((s) => s.id === e.step)
        this.line(`\n${STATUS_MARK.running} ${step?.section ? `${step.section.label} › ` : ''}${e.step} (${e.target})`)
        break
      }
      case 'output':
        if (q) break
        this.write(e.data)
        this.atLineStart = e.data.endsWith('\n')
        break
      case 'block-end': {
        const r = e.result
        if (q && r.status === 'passed') break
        this.line(
          `${STATUS_MARK[r.status]} ${e.step} ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''} in ${formatDuration(r.durationMs)}${r.message ? `: ${r.message}` : ''}`,
        )
        const details = failureDetails(r)
        if (details) this.line(details)
        break
      }
      case 'attend':
        this.line(
          `${STATUS_MARK.running} ${e.step} (${e.target}): ${e.why === 'breakpoint' ? 'breakpoint' : `attempt ${e.attempt} ${e.why}${e.message ? `: ${e.message}` : ''}`}, a person has the terminal (--debug)`,
        )
        break
      case 'block-skip':
        if (!q && e.kind !== 'done') this.line(`${STATUS_MARK.skipped} ${e.step} skipped: ${e.reason}`)
        else if (!q) this.line(`${STATUS_MARK.skipped} ${e.step} done in an earlier run`)
        break
      case 'run-end': {
        const tally = Object.entries(e.counts)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')
        this.line(`\ndocrun: ${e.status}${tally ? ` (${tally})` : ''}${e.message ? `: ${e.message}` : ''}`)
        break
      }
    }
  }
}
