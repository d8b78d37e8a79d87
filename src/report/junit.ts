// CI reports at the end of a run: junit.xml (one testsuite per section, one testcase per
// block) and summary.json, beside transcript.md. What blocks printed is made fit for XML 1.0
// (ANSI and control bytes dropped, by xmlSafe) and escaped by ./xml.ts as xmlbuilder2 did.
import type { Plan } from '../plan/types.js'
import type { BlockResult, RunEvent } from '../events/events.js'
import { writeAtomic } from '../state/atomic.js'
import { join } from 'node:path'
import stripAnsi from 'strip-ansi'
import { MASK } from '../common/mask.js'
import { interventionWords } from './intervention.js'
import { XmlElement } from './xml.js'

interface Case {
  id: string
  section: string
  result?: BlockResult
  skipped?: string
  tail: string
}

// XML 1.0 cannot hold most control characters, even escaped.
const xmlSafe = (s: string) => stripAnsi(s).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')

export class JunitReporter {
  private plan: Plan | undefined
  private runId = ''
  private started = ''
  private cases = new Map<string, Case>()

  constructor(
    private readonly runDir: string,
    private readonly extraPath?: string,
  ) {}

  /** Each step's section, by id (a 1,000-block run looks every block up). */
  private sections = new Map<string, string>()

  private get(id: string): Case {
    let c = this.cases.get(id)
    if (!c) {
      c = { id, section: this.sections.get(id) ?? '(no section)', tail: '' }
      this.cases.set(id, c)
    }
    return c
  }

  async on(e: RunEvent): Promise<void> {
    switch (e.type) {
      case 'run-start':
        this.plan = e.plan
        for (const step of e.plan.steps) if (step.section) this.sections.set(step.id, step.section.label)
        this.runId = e.runId
        this.started = e.time
        break
      case 'output': {
        const c = this.get(e.step)
        // The chunk's end first: a 64 KB chunk is not copied whole to keep its last 4,000 characters.
        c.tail = (c.tail + e.data.slice(-4000)).slice(-4000)
        break
      }
      case 'block-end':
        this.get(e.step).result = e.result
        break
      case 'block-skip':
        if (e.kind !== 'not-selected') this.get(e.step).skipped = e.reason
        break
      case 'run-end':
        await this.write(e)
        break
    }
  }

  private async write(end: Extract<RunEvent, { type: 'run-end' }>): Promise<void> {
    const plan = this.plan
    if (!plan) return
    const bySection = new Map<string, Case[]>()
    for (const step of plan.steps) {
      const c = this.cases.get(step.id)
      if (!c) continue
      const list = bySection.get(c.section)
      if (list) list.push(c)
      else bySection.set(c.section, [c])
    }
    const secs = (ms?: number) => ((ms ?? 0) / 1000).toFixed(3)
    const root = new XmlElement('testsuites', {
      name: plan.runbook.path,
      tests: this.cases.size,
      time: secs([...this.cases.values()].reduce((t, c) => t + (c.result?.durationMs ?? 0), 0)),
    })
    for (const [section, cases] of bySection) {
      const failures = cases.filter((c) => c.result && c.result.status !== 'passed' && c.result.status !== 'skipped').length
      const suite = root.ele('testsuite', {
        name: section,
        tests: cases.length,
        failures,
        skipped: cases.filter((c) => c.skipped || c.result?.status === 'skipped').length,
        timestamp: this.started,
        time: secs(cases.reduce((t, c) => t + (c.result?.durationMs ?? 0), 0)),
      })
      for (const c of cases) {
        const tc = suite.ele('testcase', { name: c.id, classname: section, time: secs(c.result?.durationMs) })
        const interventions = c.result?.interventions ?? []
        if (interventions.length) {
          // A person stepped in (--debug): as properties, and in words where a CI page shows them.
          const props = tc.ele('properties')
          interventions.forEach((i, n) => {
            props.ele('property', { name: `docrun.intervention.${n + 1}`, value: i.action })
            if (i.commands?.length) props.ele('property', { name: `docrun.intervention.${n + 1}.commands`, value: xmlSafe(i.commands.join('\n')) })
          })
        }
        if (c.skipped) tc.ele('skipped', { message: xmlSafe(c.skipped) })
        else if (c.result?.status === 'skipped') tc.ele('skipped', { message: xmlSafe(c.result.message ?? 'skipped') })
        else if (c.result && c.result.status !== 'passed') {
          const failed = c.result.checks?.find((k) => !k.passed)
          const message = c.result.message ?? c.result.status
          tc.ele('failure', { message: xmlSafe(message), type: c.result.status }).txt(
            xmlSafe(
              [
                `exit status: ${c.result.exitCode ?? 'none'}`,
                failed ? `postcondition ${failed.name}: ${failed.message ?? ''}\n${failed.diff ?? failed.output ?? ''}` : '',
                '--- output (tail) ---',
                c.tail,
              ]
                .filter(Boolean)
                .join('\n'),
            ),
          )
        }
        if (interventions.length)
          tc.ele('system-out').txt(
            xmlSafe(interventions.map((i) => `docrun: ${interventionWords(i)}${i.commands?.length ? `; typed: ${i.commands.join(' ; ')}` : ''}`).join('\n')),
          )
        if (c.result) addHealth(tc, c.result)
      }
    }
    const xml = root.document()
    await writeAtomic(join(this.runDir, 'junit.xml'), xml)
    if (this.extraPath) await writeAtomic(this.extraPath, xml)
    const summary = {
      runId: this.runId,
      runbook: plan.runbook,
      params: Object.fromEntries(plan.params.map((p) => [p.name, p.secret ? MASK : p.value])),
      status: end.status,
      exitCode: end.exitCode,
      counts: end.counts,
      blocks: [...this.cases.values()].map((c) => ({
        id: c.id,
        section: c.section,
        status: c.skipped ? 'skipped' : (c.result?.status ?? 'not run'),
        exitCode: c.result?.exitCode ?? null,
        durationMs: Math.round(c.result?.durationMs ?? 0),
        ...(c.result?.report ? { report: c.result.report } : {}),
        ...(c.result?.interventions ? { interventions: c.result.interventions } : {}),
        ...(c.result?.splats?.length ? { splats: c.result.splats } : {}),
        ...(c.result?.attempts ? { attempts: c.result.attempts } : {}),
        ...(c.result?.alreadyDone ? { alreadyDone: c.result.alreadyDone } : {}),
      })),
    }
    await writeAtomic(join(this.runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
  }
}

/** Known failures, kernel splats and attempts: properties of the block's testcase, splats quoted in system-err. */
function addHealth(tc: XmlElement, r: BlockResult): void {
  const known = r.report?.knownFailures ?? []
  const props: [string, string][] = []
  if (r.attempts) props.push(['attempts', String(r.attempts)])
  if (r.report?.known) props.push(['known-failures', known.map((k) => `${k.name} (${k.list})`).join(', ')])
  for (const s of r.splats ?? []) props.push([`kernel-${s.kind}${s.allowed ? '-allowed' : ''}`, s.title])
  if (props.length) {
    const el = tc.ele('properties')
    for (const [name, value] of props) el.ele('property', { name, value: xmlSafe(value) })
  }
  if (r.splats?.length) tc.ele('system-err').txt(xmlSafe(r.splats.map((s) => s.lines.join('\n')).join('\n\n')))
}
