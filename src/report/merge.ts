// `docrun report merge RUN_DIRS…`: the runs of a matrix (one per entry, each in its own
// workspace) as one report: a junit with a testsuite per entry × section, and a summary with
// a row per entry. Reads what src/report/junit.ts writes: junit.xml and summary.json.
import { readFile } from 'node:fs/promises'
import { basename, resolve, sep } from 'node:path'
import { create } from 'xmlbuilder2'
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js'
import { formatDuration } from '../common/durations.js'

/** What src/report/junit.ts writes as summary.json (the parts read here). */
interface RunSummary {
  runId: string
  runbook: { path: string; sha256: string }
  params: Record<string, string>
  status: string
  exitCode: number
  counts: Record<string, number>
  blocks: { id: string; section: string; status: string; exitCode: number | null; durationMs: number }[]
}

export interface MergeRow {
  /** The matrix entry: the run's workspace name (`<root>/<id>/.docrun/runs/…`), else the run directory's name. */
  id: string
  runDir: string
  runId?: string
  params: Record<string, string>
  /** The run's status; `no report` when the run left no summary.json (killed before its end). */
  status: string
  exitCode: number | null
  counts: Record<string, number>
  /** The blocks' time, summed. */
  durationMs: number
  failed?: { block: string; section: string; status: string; exitCode: number | null }
}

export interface MergedReport {
  rows: MergeRow[]
  junit: string
  summary: { status: 'passed' | 'failed'; entries: number; passed: number; failed: number; rows: MergeRow[] }
}

/** The DOM element behind an xmlbuilder2 node (the parts read here; no DOM lib in this project's types). */
interface DomElement {
  nodeName: string
  attributes: ArrayLike<{ name: string; value: string }>
}

const FAILED = new Set(['failed', 'timed-out', 'interrupted'])

/** `ws/kernel-7.2/.docrun/runs/latest` → `kernel-7.2`: the workspace is named after the entry. */
export function entryIdOf(dir: string): string {
  const parts = resolve(dir).split(sep)
  const at = parts.lastIndexOf('.docrun')
  return at > 0 && parts[at + 1] === 'runs' ? parts[at - 1]! : basename(resolve(dir))
}

async function readOptional(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
}

function rowOf(id: string, runDir: string, summary: RunSummary | undefined): MergeRow {
  if (!summary) return { id, runDir, params: {}, status: 'no report', exitCode: null, counts: {}, durationMs: 0 }
  const failed = summary.blocks.find((b) => FAILED.has(b.status))
  return {
    id,
    runDir,
    runId: summary.runId,
    params: summary.params,
    status: summary.status,
    exitCode: summary.exitCode,
    counts: summary.counts,
    durationMs: summary.blocks.reduce((t, b) => t + b.durationMs, 0),
    ...(failed ? { failed: { block: failed.id, section: failed.section, status: failed.status, exitCode: failed.exitCode } } : {}),
  }
}

/** Copy one run's testsuites into `out`, each named `<entry> / <section>`, with the entry's params as properties. */
function addSuites(out: XMLBuilder, row: MergeRow, xml: string): { tests: number; failures: number; time: number } {
  const totals = { tests: 0, failures: 0, time: 0 }
  create(xml)
    .root()
    .each((suite) => {
      const el = suite.node as unknown as DomElement
      if (el.nodeName !== 'testsuite') return
      const attrs = Object.fromEntries(Array.from(el.attributes).map((a) => [a.name, a.value]))
      const name = `${row.id} / ${attrs.name ?? ''}`
      const merged = out.ele('testsuite', { ...attrs, name })
      const props = merged.ele('properties')
      props.ele('property', { name: 'matrix.id', value: row.id })
      for (const [k, v] of Object.entries(row.params)) props.ele('property', { name: `param.${k}`, value: v })
      suite.each((tc) => {
        if ((tc.node as unknown as DomElement).nodeName === 'testcase') tc.att('classname', name)
        merged.import(tc)
      })
      totals.tests += Number(attrs.tests ?? 0)
      totals.failures += Number(attrs.failures ?? 0)
      totals.time += Number(attrs.time ?? 0)
    })
  return totals
}

export async function mergeRuns(dirs: string[]): Promise<MergedReport> {
  const rows: MergeRow[] = []
  const out = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: 'docrun matrix' })
  const totals = { tests: 0, failures: 0, time: 0 }
  const ids = new Set<string>()
  for (const dir of dirs) {
    const text = await readOptional(resolve(dir, 'summary.json'))
    const summary = text === undefined ? undefined : (JSON.parse(text) as RunSummary)
    let id = entryIdOf(dir)
    // Two runs of one workspace: tell them apart by run id.
    if (ids.has(id)) id = `${id}@${summary?.runId ?? rows.length + 1}`
    ids.add(id)
    const row = rowOf(id, dir, summary)
    rows.push(row)
    const xml = await readOptional(resolve(dir, 'junit.xml'))
    if (xml === undefined) continue
    const t = addSuites(out, row, xml)
    totals.tests += t.tests
    totals.failures += t.failures
    totals.time += t.time
  }
  out.att({ tests: String(totals.tests), failures: String(totals.failures), time: totals.time.toFixed(3) })
  const passed = rows.filter((r) => r.status === 'passed').length
  return {
    rows,
    junit: out.end({ prettyPrint: true }),
    summary: { status: passed === rows.length ? 'passed' : 'failed', entries: rows.length, passed, failed: rows.length - passed, rows },
  }
}

/** One line per entry: status, params, block counts, time and the block it stopped at. */
export function renderMergeTable(rows: MergeRow[]): string {
  const mark = (s: string) => (s === 'passed' ? '✅' : s === 'interrupted' ? '⏹️' : '❌')
  const cells = rows.map((r) => [
    `${mark(r.status)} ${r.id}`,
    r.status,
    Object.entries(r.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '-',
    `${r.counts.passed ?? 0} passed, ${(r.counts.failed ?? 0) + (r.counts['timed-out'] ?? 0)} failed, ${r.counts.skipped ?? 0} skipped`,
    formatDuration(r.durationMs),
    r.failed ? `at ${r.failed.block} (${r.failed.status}${r.failed.exitCode !== null ? `, exit ${r.failed.exitCode}` : ''})` : '',
  ])
  const header = ['entry', 'status', 'params', 'blocks', 'time', 'stopped']
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(header), ...cells.map(line)].join('\n')
}
