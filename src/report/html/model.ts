// The report page's view model, folded from a run's events one at a time: the whole page is
// rendered from events alone, so `docrun report` can draw any run again, also an old one or
// one whose docrun was killed. Memory stays bounded: a block keeps its output's head and tail.
import type { BlockResult, BlockStatus, HostFacts, RunEvent } from '../../events/events.js'
import type { EventProblem } from '../../events/read.js'
import type { Plan, ResolvedParam, Step } from '../../plan/types.js'
import { OutputWindow } from '../output-window.js'

export type BlockState = BlockStatus | 'running' | 'not run'
export type RunState = 'passed' | 'failed' | 'interrupted' | 'error' | 'running' | 'unfinished'

/** One run of a block (a block runs again when its guest is booted again). */
export interface Attempt {
  attempt: number
  target: string
  startMs: number
  endMs?: number
  status: BlockState
}

export interface BlockView {
  id: string
  index: number
  sectionId: string
  section: string
  /** Where it ran (the last attempt's target), else where the plan says. */
  target: string
  action: Step['action']
  status: BlockState
  attempts: Attempt[]
  result?: BlockResult
  skipReason?: string
  output: OutputWindow
  notes: { level: 'info' | 'warn'; message: string }[]
}

/** A guest's life: QEMU started (its boot block began), its shell answered, it stopped. */
export interface GuestSpan {
  guest: string
  bootStep: string
  startMs: number
  readyMs?: number
  endMs?: number
  end?: string
}

export interface RunView {
  runId: string
  runDir: string
  workspace: string
  runbook?: Plan['runbook']
  params: ResolvedParam[]
  facts?: HostFacts
  resumed: boolean
  startMs: number
  /** The run's end, or its last event while it goes on (or after its docrun died). */
  lastMs: number
  status: RunState
  exitCode?: number
  message?: string
  counts: Record<BlockStatus, number>
  sections: { id: string; label: string }[]
  blocks: BlockView[]
  guests: GuestSpan[]
  notes: { timeMs: number; level: 'info' | 'warn'; message: string; step?: string }[]
  problems: EventProblem[]
}

const NO_SECTION = { id: '', label: '(no section)' }
const GUEST_STOPPED = /^guest (\S+) (?:shut down after|had already stopped)/
const GUEST_GONE = /^guest (\S+) is gone: /

export class RunModel {
  private plan: Plan | undefined
  private start: Extract<RunEvent, { type: 'run-start' }> | undefined
  private end: Extract<RunEvent, { type: 'run-end' }> | undefined
  private lastMs = 0
  private blocks = new Map<string, BlockView>()
  private guests: GuestSpan[] = []
  private notes: RunView['notes'] = []
  problems: EventProblem[] = []

  constructor(private readonly outputLines = { head: 30, tail: 60 }) {}

  apply(e: RunEvent): void {
    const t = Date.parse(e.time)
    if (Number.isFinite(t)) this.lastMs = Math.max(this.lastMs, t)
    switch (e.type) {
      case 'run-start':
        this.start = e
        this.plan = e.plan
        break
      case 'note':
        this.onNote(e, t)
        break
      case 'block-start':
        this.onBlockStart(e, t)
        break
      case 'output':
        this.block(e.step).output.push(e.data)
        break
      case 'block-end':
        this.onBlockEnd(e, t)
        break
      case 'block-skip': {
        const b = this.block(e.step)
        b.status = 'skipped'
        b.skipReason = e.reason
        break
      }
      case 'run-end':
        this.end = e
        for (const g of this.guests) if (g.endMs === undefined) g.endMs = t
        break
    }
  }

  private onNote(e: Extract<RunEvent, { type: 'note' }>, t: number): void {
    this.notes.push({ timeMs: t, level: e.level, message: e.message, ...(e.step ? { step: e.step } : {}) })
    if (e.step) this.block(e.step).notes.push({ level: e.level, message: e.message })
    const stopped = GUEST_STOPPED.exec(e.message)
    if (stopped) this.guestStopped(stopped[1]!, t, e.message)
  }

  /**
   * "guest X shut down": the running X — or, while a boot block is booting X again (docrun shuts
   * the old one down after the block started), the X it replaces, whose life ends only now.
   */
  private guestStopped(guest: string, t: number, why: string): void {
    const open = this.guests.findLast((x) => x.guest === guest && x.endMs === undefined)
    if (open && open.readyMs === undefined && this.block(open.bootStep).status === 'running') {
      const replaced = this.guests.findLast((x) => x.guest === guest && x !== open && x.endMs !== undefined)
      if (replaced) Object.assign(replaced, { endMs: t, end: why })
      return
    }
    this.endGuest(guest, t, why)
  }

  private onBlockStart(e: Extract<RunEvent, { type: 'block-start' }>, t: number): void {
    const b = this.block(e.step)
    b.status = 'running'
    b.target = e.target
    delete b.result
    delete b.skipReason
    b.output = new OutputWindow(this.outputLines.head, this.outputLines.tail)
    b.attempts.push({ attempt: e.attempt, target: e.target, startMs: t, status: 'running' })
    const step = this.step(e.step)
    if (step?.boot) {
      // Booted again: the guest that ran before it is shut down first.
      this.endGuest(step.boot.guest, t, 'booted again')
      this.guests.push({ guest: step.boot.guest, bootStep: step.id, startMs: t })
    }
  }

  private onBlockEnd(e: Extract<RunEvent, { type: 'block-end' }>, t: number): void {
    const b = this.block(e.step)
    b.status = e.result.status
    b.result = e.result
    const a = b.attempts.at(-1)
    if (a && a.endMs === undefined) {
      a.endMs = t
      a.status = e.result.status
    } else b.attempts.push({ attempt: b.attempts.length + 1, target: b.target, startMs: Date.parse(e.result.startedAt), endMs: t, status: e.result.status })
    const step = this.step(e.step)
    if (step?.boot) {
      const g = this.guests.findLast((x) => x.guest === step.boot!.guest && x.endMs === undefined)
      if (g && e.result.status === 'passed') g.readyMs = t
      else if (g) this.endGuest(g.guest, t, e.result.message ?? `its boot block ${e.result.status}`)
    }
    const gone = GUEST_GONE.exec(e.result.message ?? '')
    if (gone) this.endGuest(gone[1]!, t, e.result.message!)
  }

  private endGuest(guest: string, t: number, why: string): void {
    const g = this.guests.findLast((x) => x.guest === guest && x.endMs === undefined)
    if (!g) return
    g.endMs = t
    g.end = why
  }

  private step(id: string): Step | undefined {
    return this.plan?.steps.find((s) => s.id === id)
  }

  private block(id: string): BlockView {
    let b = this.blocks.get(id)
    if (!b) {
      b = this.newBlock(id, this.step(id), 'not run')
      this.blocks.set(id, b)
    }
    return b
  }

  private newBlock(id: string, step: Step | undefined, status: BlockState): BlockView {
    const section = step?.section ?? NO_SECTION
    return {
      id,
      index: step?.index ?? Number.MAX_SAFE_INTEGER,
      sectionId: section.id,
      section: section.label,
      target: step?.target.name ?? 'host',
      action: step?.action ?? 'run',
      status,
      attempts: [],
      output: new OutputWindow(this.outputLines.head, this.outputLines.tail),
      notes: [],
    }
  }

  /** The run as its events tell it; `nowMs`: a run that goes on is drawn up to now (a live page). */
  view(nowMs?: number): RunView {
    const startMs = this.start ? Date.parse(this.start.time) : this.lastMs
    const lastMs = this.end ? Date.parse(this.end.time) : Math.max(this.lastMs, nowMs ?? 0)
    const blocks = this.orderedBlocks()
    return {
      runId: this.start?.runId ?? '(unknown run)',
      runDir: this.start?.runDir ?? '',
      workspace: this.start?.workspace ?? '',
      ...(this.plan ? { runbook: this.plan.runbook } : {}),
      params: this.plan?.params ?? [],
      ...(this.start ? { facts: this.start.facts } : {}),
      resumed: this.start?.resumed ?? false,
      startMs,
      lastMs,
      status: this.end ? this.end.status : 'running',
      ...(this.end ? { exitCode: this.end.exitCode, ...(this.end.message ? { message: this.end.message } : {}) } : {}),
      counts: this.end?.counts ?? countBlocks(blocks),
      sections: this.sections(blocks),
      blocks,
      guests: this.guests.map((g) => ({ ...g })),
      notes: [...this.notes],
      problems: [...this.problems],
    }
  }

  /** Every block that had an event, and the plan's blocks that did not run, in plan order. */
  private orderedBlocks(): BlockView[] {
    const out = [...this.blocks.values()]
    for (const s of this.plan?.steps ?? []) {
      if (!this.blocks.has(s.id) && !notSelected(s) && s.action !== 'none') out.push(this.newBlock(s.id, s, 'not run'))
    }
    return out.sort((a, b) => a.index - b.index)
  }

  private sections(blocks: BlockView[]): RunView['sections'] {
    const seen = new Map<string, string>()
    for (const b of blocks) if (!seen.has(b.sectionId)) seen.set(b.sectionId, b.section)
    return [...seen].map(([id, label]) => ({ id, label }))
  }
}

/** Outside --from/--to/--only: not part of this run (a run recorded before skips were data said it in words). */
function notSelected(s: Step): boolean {
  const skip = s.skip as unknown
  return skip === 'not selected' || (typeof skip === 'object' && skip !== null && (skip as { kind?: unknown }).kind === 'not-selected')
}

function countBlocks(blocks: BlockView[]): Record<BlockStatus, number> {
  const counts: Record<BlockStatus, number> = { passed: 0, failed: 0, 'timed-out': 0, interrupted: 0, skipped: 0 }
  for (const b of blocks) if (b.status in counts) counts[b.status as BlockStatus]++
  return counts
}

/** The whole model of a list of events (a run read back from its events.jsonl). */
export function modelOf(events: RunEvent[], problems: EventProblem[] = []): RunView {
  const m = new RunModel()
  for (const e of events) m.apply(e)
  m.problems = problems
  return m.view()
}
