// transcript.md: the runbook as written, with each block's outcome and output after it.
// Built from the event stream alone, so it always agrees with what the terminal showed,
// and `docrun transcript` can render it again (normalised) from events.jsonl.
import stripAnsi from 'strip-ansi'
import type { Plan } from '../plan/types.js'
import { formatDuration } from '../common/durations.js'
import type { BlockResult, HostFacts, RunEvent } from '../events/events.js'
import { OutputWindow } from './output-window.js'
import { declaredRules, DEFAULT_RULES, expectBody, type VolatileRule } from '../checks/volatile.js'
import { MASK } from '../common/mask.js'
import { interventionWords } from './intervention.js'
import { STATUS_MARK } from './marks.js'

/** A line the output window cut: anything may follow its first 4000 characters. */
const CUT_LINE: VolatileRule = { find: / … \(line cut at 4000 characters\)$/g, as: '.*' }

interface StepView {
  state: 'running' | 'done' | 'skipped'
  target?: string
  result?: BlockResult
  reason?: string
  output: OutputWindow
  notes: string[]
}

/** The runbook's lines, which to leave out, where the header goes, and which steps end at each line (1-based). */
interface Layout {
  lines: string[]
  /** Each step's last line (1-based), by id: a piece is cut at its step's end. */
  endOf: Map<string, number>
  dropped: Set<number>
  stepsAt: Map<number, string[]>
  headerAt: number
}

export interface RenderOptions {
  /** Drop times, durations and run ids, so two transcripts of one runbook diff cleanly. */
  normalize?: boolean
}

export class TranscriptModel {
  plan: Plan | undefined
  runId = ''
  started = ''
  facts: HostFacts | undefined
  resumed = false
  end: Extract<RunEvent, { type: 'run-end' }> | undefined
  notes: string[] = []
  steps = new Map<string, StepView>()

  apply(e: RunEvent): void {
    switch (e.type) {
      case 'run-start':
        this.plan = e.plan
        this.runId = e.runId
        this.started = e.time
        this.facts = e.facts
        this.resumed = e.resumed
        break
      case 'note':
        if (e.step) this.view(e.step).notes.push(e.message)
        else this.notes.push(e.message)
        break
      case 'block-start': {
        const v = this.view(e.step)
        v.state = 'running'
        v.target = e.target
        v.output = new OutputWindow()
        break
      }
      case 'output':
        this.view(e.step).output.push(e.data)
        break
      case 'block-end': {
        const v = this.view(e.step)
        v.state = 'done'
        v.result = e.result
        break
      }
      case 'block-skip': {
        const v = this.view(e.step)
        v.state = 'skipped'
        v.reason = e.reason
        break
      }
      case 'run-end':
        this.end = e
        break
    }
  }

  private view(id: string): StepView {
    let v = this.steps.get(id)
    if (!v) {
      v = { state: 'skipped', output: new OutputWindow(), notes: [] }
      this.steps.set(id, v)
    }
    return v
  }

  /** Markdown: the runbook text with annotations spliced after each block. */
  render(runbookText: string, opts: RenderOptions = {}): string {
    const layout = this.layout(runbookText)
    if (!layout) return ''
    const out = this.linesBetween(layout, 0, layout.lines.length, opts)
    if (layout.headerAt >= layout.lines.length) out.push(...this.header(opts))
    return `${out.join('\n').replace(/\n*$/, '')}\n`
  }

  /**
   * The transcript as it goes: the text from line `from` (0-based) up to `to` with the header
   * and the annotations of the steps that end there — so the pieces of consecutive calls, joined,
   * are the transcript so far. `to` undefined: the line after the header; a step id: its end.
   */
  piece(runbookText: string, from: number, to: string | undefined, opts: RenderOptions = {}): { text: string; next: number } {
    const layout = this.layout(runbookText)
    if (!layout) return { text: '', next: from }
    const stepEnd = to === undefined ? undefined : layout.endOf.get(to)
    const end = Math.min(layout.lines.length, stepEnd ?? layout.headerAt + 1)
    if (end <= from) return { text: '', next: from }
    return { text: `${this.linesBetween(layout, from, end, opts).join('\n')}\n`, next: end }
  }

  private layoutCache: { text: string; layout: Layout } | undefined
  private layout(runbookText: string): Layout | undefined {
    const plan = this.plan
    if (!plan) return undefined
    if (this.layoutCache?.text === runbookText) return this.layoutCache.layout
    const lines = runbookText.split('\n')
    const stepsAt = new Map<number, string[]>()
    const endOf = new Map(plan.steps.map((s) => [s.id, s.position.end.line]))
    for (const step of plan.steps) {
      if (step.action === 'none') continue
      const at = step.position.end.line
      stepsAt.set(at, [...(stepsAt.get(at) ?? []), step.id])
    }
    // The header goes after the front matter, so the transcript is still a runbook.
    let headerAt = 0
    if (lines[0] === '---') {
      const close = lines.indexOf('---', 1)
      if (close > 0) headerAt = close + 1
    }
    const layout = { lines, endOf, dropped: oldHeader(lines), stepsAt, headerAt }
    this.layoutCache = { text: runbookText, layout }
    return layout
  }

  private linesBetween(layout: Layout, from: number, to: number, opts: RenderOptions): string[] {
    const { lines, dropped, stepsAt, headerAt } = layout
    const out: string[] = []
    for (let i = from; i < to; i++) {
      if (i === headerAt) out.push(...this.header(opts))
      if (!dropped.has(i)) out.push(lines[i]!)
      for (const id of stepsAt.get(i + 1) ?? []) out.push(...this.annotate(id, opts))
    }
    return out
  }

  private header(opts: RenderOptions): string[] {
    const plan = this.plan!
    const f = this.facts
    const rows: [string, string][] = [
      ['runbook', `\`${plan.runbook.path}\``],
      ['sha256', `\`${plan.runbook.sha256}\``],
    ]
    if (!opts.normalize) {
      rows.push(['run', `\`${this.runId}\`${this.resumed ? ' (resumed)' : ''}`], ['started', this.started])
      if (this.end) rows.push(['finished', this.end.time])
    } else if (this.resumed) rows.push(['run', 'resumed'])
    if (this.end) {
      const c = this.end.counts
      const tally = Object.entries(c)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')
      rows.push([
        'result',
        `${STATUS_MARK[this.end.status === 'passed' ? 'passed' : this.end.status === 'interrupted' ? 'interrupted' : 'failed']} **${this.end.status}** (exit ${this.end.exitCode})${tally ? ` · ${tally}` : ''}`,
      ])
      if (this.end.message) rows.push(['', escapeCell(this.end.message)])
    } else rows.push(['result', `${STATUS_MARK.running} running`])
    if (f) {
      rows.push(['docrun', f.docrun], ['host', `${f.distro} · Linux ${f.kernel} · ${f.arch} · Node ${f.node}`])
      const tools = Object.entries(f.tools)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · ')
      if (tools) rows.push(['tools', escapeCell(tools)])
    }
    if (plan.params.length)
      rows.push([
        'params',
        plan.params.map((p) => `\`${p.name}=${p.secret ? MASK : escapeCell(p.value.replace(/\n/g, '\\n'))}\`${p.source === 'set' ? ' (set)' : ''}`).join(' · '),
      ])
    const out = [
      '',
      '<!-- docrun transcript: generated by docrun; the runbook is below, each block followed by what it did -->',
      '',
      '| | |',
      '|---|---|',
      ...rows.map(([k, v]) => `| ${k} | ${v} |`),
      '',
    ]
    for (const n of this.notes) out.push(`> ℹ️ ${volatile(n, opts)}`, '')
    return out
  }

  private rulesCache: VolatileRule[] | undefined
  private rules(): VolatileRule[] {
    return (this.rulesCache ??= [...declaredRules(this.plan?.volatile ?? []), CUT_LINE, ...DEFAULT_RULES])
  }

  private annotate(id: string, opts: RenderOptions): string[] {
    const v = this.steps.get(id)
    const out: string[] = ['']
    if (!v) {
      out.push(`> ${STATUS_MARK['not run']} not run · \`${id}\``, '')
      return out
    }
    if (v.state === 'skipped') {
      out.push(`> ${STATUS_MARK.skipped} skipped · \`${id}\` · ${v.reason ?? ''}`, '')
      return out
    }
    const r = v.result
    const parts = [`\`${id}\``, v.target ?? '']
    if (r) {
      if (r.exitCode !== null) parts.push(`exit ${r.exitCode}`)
      if (!opts.normalize) parts.push(formatDuration(r.durationMs))
      out.push(`> ${STATUS_MARK[r.status]} **${r.status}** · ${parts.join(' · ')}`)
      if (r.message) out.push('>', ...r.message.split('\n').map((l) => `> ${l}`))
      if (r.attempts) out.push('>', `> 🔁 ran ${r.attempts} times ({retry}/{until}); earlier attempts' output is in output/ beside its own`)
    } else out.push(`> ${STATUS_MARK.running} **running** · ${parts.join(' · ')}`)
    for (const n of v.notes) out.push('>', `> ℹ️ ${volatile(n, opts)}`)
    for (const i of r?.interventions ?? []) {
      out.push('>', `> 🧑‍🔧 ${interventionWords(i, opts)}${i.failure ? ` — ${i.failure.split('\n')[0]}` : ''}`)
      if (i.commands) out.push(i.commands.length ? `> typed: ${i.commands.map((c) => `\`${c.replace(/`/g, "'")}\``).join(' · ')}` : '> typed: nothing')
    }
    for (const c of r?.checks ?? []) {
      const what = c.kind === 'expect' ? 'expected output' : c.kind === 'check' ? 'check' : 'postcondition'
      if (c.skipped) out.push('>', `> ⏭️ ${what} \`${c.name}\` not run: ${c.skipped}`)
      else if (c.updated !== undefined) out.push('>', `> ✏️ ${what} \`${c.name}\` rewritten with the actual output (--update-expect)`)
      else if (c.passed) out.push('>', `> ☑️ ${what} \`${c.name}\` holds`)
      else out.push('>', `> ❌ ${what} \`${c.name}\` failed${c.message && !c.message.includes('\n') && !c.diff ? `: ${c.message}` : ''}`)
    }
    out.push('')
    if (r?.report) {
      const t = r.report
      out.push(`| ${t.format} | passed | failed | skipped |`, '|---|---|---|---|', `| ${t.total} run | ${t.passed} | ${t.failed} | ${t.skipped} |`)
      for (const n of t.nested ?? []) out.push(`| inside: ${n.format}, ${n.total} run | ${n.passed} | ${n.failed} | ${n.skipped} |`)
      for (const n of t.subtests ?? []) out.push(`| suite ${escapeCell(n.name ?? '?')}, ${n.total} run | ${n.passed} | ${n.failed} | ${n.skipped} |`)
      out.push('')
      const failures = [...t.failures, ...(t.nested ?? []).flatMap((n) => n.failures.map((f) => `${n.format}: ${f}`))]
      if (failures.length)
        out.push(
          `Failing: ${failures
            .slice(0, 20)
            .map((f) => `\`${f}\``)
            .join(', ')}${failures.length > 20 ? ` and ${failures.length - 20} more` : ''}`,
          '',
        )
      const known = [...(t.knownFailures ?? []), ...(t.nested ?? []).flatMap((n) => n.knownFailures ?? [])]
      if (known.length) out.push(`Known failures (not counted as failed): ${known.map((k) => `\`${k.name}\` (${escapeCell(k.list)})`).join(', ')}`, '')
    }
    out.push(...splatLines(r))
    for (const c of r?.checks ?? []) {
      if (c.passed) continue
      const body = c.diff ?? c.output ?? (c.message?.includes('\n') ? c.message : undefined)
      if (!body) continue
      const fence = '`'.repeat(Math.max(3, longestRun(body) + 1))
      out.push(`\`${c.name}\`:`, '', `${fence}${c.diff ? 'diff' : 'text'}`, body, fence, '')
    }
    const w = v.output.view()
    if (v.output.bytes > 0) {
      // A passed block's output is recorded as its {expect} (volatile values as patterns), so
      // the transcript replays as a test; a block with its own {expect} keeps that one.
      const recorded = r?.status === 'passed' && !r.checks?.some((c) => c.kind === 'expect')
      const lines = [...w.head, ...w.tail, ...(w.partial ? [w.partial] : [])].map((l) => stripAnsi(l))
      const text = recorded
        ? expectBody(
            lines.map((l) => l),
            this.rules(),
            w.elided > 0 ? w.head.length : undefined,
          )
        : [
            ...lines.slice(0, w.head.length),
            ...(w.elided > 0 ? [`… ${w.elided} lines elided; the whole output is in ${r?.outputFile ?? 'the run directory'} …`] : []),
            ...lines.slice(w.head.length),
          ].join('\n')
      const fence = '`'.repeat(Math.max(3, longestRun(text) + 1))
      if (recorded && w.elided > 0)
        out.push(`The \`...\` below stands for ${w.elided} lines left out here; the whole output is in ${r?.outputFile ?? 'the run directory'}.`, '')
      out.push(`${fence}text${recorded ? ' {expect}' : ''}`, text, fence, '')
    }
    if (r?.console?.length) {
      const text = r.console.join('\n')
      const fence = '`'.repeat(Math.max(3, longestRun(text) + 1))
      out.push(`The guest's console, last ${r.console.length} lines:`, '', `${fence}text`, text, fence, '')
    }
    return out
  }
}

/** Normalised transcripts mask what differs between identical runs: durations and pids in notes. */
function volatile(note: string, opts: RenderOptions): string {
  if (!opts.normalize) return note
  return note.replace(/\bpid \d+/g, 'pid <pid>').replace(/\b\d+(?:\.\d+)?(?:ms|s|m|h)(?:\d+(?:\.\d+)?(?:ms|s|m))*\b/g, '<duration>')
}

const HEADER_MARK = '<!-- docrun transcript:'

/**
 * A transcript run as a runbook: its old header (result, run id, host) would be stale in the
 * new transcript. The indices of its lines, left out when rendering.
 */
function oldHeader(lines: string[]): Set<number> {
  const at = lines.findIndex((l) => l.startsWith(HEADER_MARK))
  const out = new Set<number>()
  if (at < 0) return out
  let end = at + 1
  while (end < lines.length && (lines[end] === '' || lines[end]!.startsWith('|') || lines[end]!.startsWith('> ℹ️'))) end++
  // Keep one blank line before what follows.
  for (let i = at - (lines[at - 1] === '' ? 1 : 0); i < end - 1; i++) out.add(i)
  return out
}

function longestRun(text: string): number {
  let max = 0
  for (const m of text.matchAll(/`+/g)) max = Math.max(max, m[0].length)
  return max
}

/** Text for one Markdown table cell. */
/** The kernel's trouble reports under the block that was running, each quoted. */
function splatLines(r: BlockResult | undefined): string[] {
  const out: string[] = []
  for (const s of r?.splats ?? []) {
    out.push(`${s.allowed ? '⚠️ allowed' : '💥'} kernel ${s.kind} on guest ${s.guest}${s.allowed ? ` (${s.allowed})` : ''}:`, '')
    const body = s.lines.join('\n')
    const fence = '`'.repeat(Math.max(3, longestRun(body) + 1))
    out.push(`${fence}text`, body, fence, '')
  }
  return out
}

export function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
