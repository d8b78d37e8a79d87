// Progress on a terminal: finished blocks scroll by as single lines; below them one live
// region (log-update) shows the running block — section, name, target, elapsed (against the
// previous run's duration when there is one), its last output line — and the tally.
import { createLogUpdate } from 'log-update'
import stripAnsi from 'strip-ansi'
import { styleText } from 'node:util'
import type { Plan } from '../plan/types.js'
import { formatDuration } from '../common/durations.js'
import type { RunEvent } from '../events/events.js'
import { STATUS_MARK } from './marks.js'
import { failureDetails } from './failure-details.js'

export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  if (process.env.FORCE_COLOR !== undefined) return process.env.FORCE_COLOR !== '0'
  return !!stream.isTTY && process.env.NO_COLOR === undefined
}

type Style = Parameters<typeof styleText>[0]

export class LiveReporter {
  private plan: Plan | undefined
  private readonly live: ReturnType<typeof createLogUpdate>
  private readonly color: boolean
  private current: { id: string; label: string; target: string; start: number; expectedMs?: number; last: string } | undefined
  private done = 0
  private failed = 0
  private total = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    this.live = createLogUpdate(stream, { showCursor: true })
    this.color = colorEnabled(stream)
  }

  private paint(style: Style, text: string): string {
    return this.color ? styleText(style, text) : text
  }

  /** A line that stays (above the live region). */
  private print(text: string): void {
    this.live.clear()
    this.stream.write(`${text}\n`)
    this.render()
  }

  private render(): void {
    if (!this.current) {
      this.live.clear()
      return
    }
    const c = this.current
    const width = Math.max(40, (this.stream.columns ?? 100) - 4)
    const elapsed = formatDuration(Date.now() - c.start)
    const eta = c.expectedMs ? ` of ~${formatDuration(c.expectedMs)} (last run)` : ''
    const lines = [
      `${STATUS_MARK.running} ${c.label}${this.paint('dim', ` (${c.target})`)} ${elapsed}${eta}`,
      this.paint('dim', `   │ ${c.last.slice(0, width)}`),
      this.paint('dim', `done ${this.done}/${this.total} · failed ${this.failed} · remaining ${Math.max(0, this.total - this.done - this.failed)}`),
    ]
    this.live(lines.join('\n'))
  }

  on(e: RunEvent): void {
    switch (e.type) {
      case 'run-start':
        this.plan = e.plan
        this.total = e.plan.steps.filter((s) => s.action !== 'none' && !s.skip).length
        this.print(`docrun: ${e.resumed ? 'resuming' : 'running'} ${e.plan.runbook.path} (run ${e.runId})`)
        this.timer = setInterval(() => this.render(), 250)
        this.timer.unref()
        break
      case 'note':
        this.print(this.paint(e.level === 'warn' ? 'yellow' : 'dim', `docrun: ${e.message}`))
        break
      case 'block-start': {
        const step = this.plan?.steps.find((s) => s.id === e.step)
        if (e.interactive) {
          // The block has the terminal: no redrawing over it until it ends.
          this.print(`${STATUS_MARK.running} ${step?.section ? `${step.section.label} › ` : ''}${e.step} (${e.target}) has the terminal`)
          this.live.clear()
          break
        }
        this.current = {
          id: e.step,
          label: `${step?.section ? `${step.section.label} › ` : ''}${e.step}`,
          target: e.target,
          start: Date.now(),
          last: '',
          ...(e.expectedMs ? { expectedMs: e.expectedMs } : {}),
        }
        this.render()
        break
      }
      case 'output': {
        if (!this.current) break
        const last = stripAnsi(e.data)
          .split(/\r?\n|\r/)
          .filter((l) => l.trim())
          .pop()
        if (last) this.current.last = last
        break
      }
      case 'block-end': {
        const r = e.result
        const label = this.current?.id === e.step ? this.current.label : e.step
        this.current = undefined
        if (r.status === 'passed') this.done++
        else this.failed++
        const style: Style = r.status === 'passed' ? 'green' : 'red'
        this.print(
          `${STATUS_MARK[r.status]} ${label} ${this.paint(style, r.status)}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''} in ${formatDuration(r.durationMs)}${r.message ? `: ${r.message}` : ''}`,
        )
        const details = failureDetails(r)
        if (details) this.print(details)
        break
      }
      case 'attend':
        // A person has the terminal (--debug): nothing redraws over their shell until the block starts again or ends.
        this.current = undefined
        this.print(
          `${STATUS_MARK.running} ${e.step} (${e.target}): ${e.why === 'breakpoint' ? 'breakpoint' : `attempt ${e.attempt} ${e.why}`}, a person has the terminal`,
        )
        this.live.clear()
        break
      case 'block-skip':
        if (e.reason === 'done in an earlier run') this.done++
        break
      case 'run-end': {
        if (this.timer) clearInterval(this.timer)
        this.current = undefined
        this.live.clear()
        const tally = Object.entries(e.counts)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')
        this.stream.write(
          `\ndocrun: ${this.paint(e.status === 'passed' ? 'green' : 'red', e.status)}${tally ? ` (${tally})` : ''}${e.message ? `: ${e.message}` : ''}\n`,
        )
        this.live.done()
        break
      }
    }
  }
}
