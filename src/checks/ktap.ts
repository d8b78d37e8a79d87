// KTAP (Documentation/dev-tools/ktap.rst): KUnit's output, and kunit.py's own summary.
// Nested tests are indented; a suite opens with `KTAP version 1` (and KUnit's `# Subtest: NAME`)
// and closes with its own result line one level out. Counts are of test cases (the leaves),
// as kunit.py counts them; each top-level suite is a subtest with counts of its own.
import type { TestReport } from '../events/events.js'

interface KtapNode {
  name: string
  ok: boolean
  directive?: string
  children: KtapNode[]
}

const RESULT_RE = /^(ok|not ok) (\d+)(?: -)?(?: ([^#]*?))?\s*(?:#\s*(.*))?$/
/** A console line's timestamp (`[    1.234567] `) and kunit.py's (`[12:34:56] `). */
const STAMP_RE = /^\[\s*[\d.:]+\]\s?/

/** KTAP in a text, as a report; undefined when there is none. */
export function parseKtap(text: string): TestReport | undefined {
  if (!isKtap(text)) return undefined
  const top = readTree(text.split('\n'))
  if (!top.length) return undefined
  const subtests = top.map((node) => countLeaves(node.children.length ? node.children : [node], node.name))
  const report: TestReport = { ...sumReports(subtests), format: 'ktap', subtests }
  // The plan promised more suites than reported: the run ended early (a crash, a panic).
  const planned = Number(/^(?:\[[\s\d.:]+\]\s?)?1\.\.(\d+)\s*$/m.exec(text)?.[1] ?? 0)
  if (planned > top.length) {
    report.failed += planned - top.length
    report.total += planned - top.length
    report.failures.push(`${planned - top.length} of ${planned} planned suites never reported (the run ended early)`)
  }
  return report
}

/** `KTAP version 1`, or KUnit's older `TAP version 14` with its `# Subtest:` lines (kselftest's TAP 13 is not). */
function isKtap(text: string): boolean {
  return /^(?:\[[\s\d.:]+\]\s?)?\s*KTAP version \d+\s*$/m.test(text) || (/^(?:\[[\s\d.:]+\]\s?)?TAP version 14\s*$/m.test(text) && /# Subtest: /.test(text))
}

/** kunit.py's summary: `Testing complete. Ran 10 tests: passed: 8, failed: 1, skipped: 1`. */
export function parseKunitSummary(text: string): TestReport | undefined {
  const m = /Testing complete\. Ran (\d+) tests?(?:: (.*))?$/m.exec(text.replace(/\x1b\[[0-9;]*m/g, ''))
  if (!m) return undefined
  const n = (word: string) => Number(new RegExp(`\\b${word}: (\\d+)`).exec(m[2] ?? '')?.[1] ?? 0)
  const failures = [...text.matchAll(/\[(?:FAILED|CRASHED)\] (\S+)/g)].map((f) => f[1]!)
  const failed = n('failed') + n('crashed') + n('errors')
  return { format: 'kunit', passed: n('passed'), failed, skipped: n('skipped'), total: Number(m[1]), failures: [...new Set(failures)] }
}

function readTree(lines: string[]): KtapNode[] {
  // Results collected at each indentation since the last result one level out, and the
  // `# Subtest: NAME` said at each indentation (KUnit names a suite before its cases).
  const collected = new Map<number, KtapNode[]>()
  const subtestNames = new Map<number, string>()
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '').replace(STAMP_RE, '')
    const indent = line.length - line.trimStart().length
    const body = line.trim()
    const subtest = /^# Subtest: (.*)$/.exec(body)
    if (subtest) subtestNames.set(indent, subtest[1]!.trim())
    const m = RESULT_RE.exec(body)
    if (!m) continue
    const { children, at } = takeDeeper(collected, indent)
    const name = (m[3] ?? '').trim() || (at !== undefined ? subtestNames.get(at) : undefined) || `#${m[2]}`
    const node: KtapNode = { name, ok: m[1] === 'ok', children, ...(m[4] ? { directive: m[4] } : {}) }
    collected.set(indent, [...(collected.get(indent) ?? []), node])
  }
  // A run cut short (a crashed kernel) leaves deeper results without their suite's line.
  return [...collected.keys()].sort((a, b) => a - b).flatMap((i) => collected.get(i)!)
}

/** The results nested one level below `indent` (and drop any deeper: they have their parents). */
function takeDeeper(collected: Map<number, KtapNode[]>, indent: number): { children: KtapNode[]; at?: number } {
  const deeper = [...collected.keys()].filter((i) => i > indent).sort((a, b) => a - b)
  const at = deeper[0]
  const children = at !== undefined ? collected.get(at)! : []
  for (const i of deeper) collected.delete(i)
  return at !== undefined ? { children, at } : { children }
}

function leafStatus(node: KtapNode): 'passed' | 'failed' | 'skipped' {
  if (/^SKIP\b/i.test(node.directive ?? '')) return 'skipped'
  return node.ok ? 'passed' : 'failed'
}

function countLeaves(nodes: KtapNode[], suite: string): TestReport {
  const report: TestReport = { format: 'ktap', name: suite, passed: 0, failed: 0, skipped: 0, total: 0, failures: [] }
  const walk = (n: KtapNode, path: string[]) => {
    if (n.children.length) return n.children.forEach((c) => walk(c, [...path, n.name]))
    const status = leafStatus(n)
    report[status]++
    report.total++
    if (status === 'failed') report.failures.push([...path, n.name].join('.'))
  }
  for (const n of nodes) walk(n, nodes.length === 1 && n.name === suite ? [] : [suite])
  return report
}

function sumReports(reports: TestReport[]): Omit<TestReport, 'format'> {
  return {
    passed: reports.reduce((a, r) => a + r.passed, 0),
    failed: reports.reduce((a, r) => a + r.failed, 0),
    skipped: reports.reduce((a, r) => a + r.skipped, 0),
    total: reports.reduce((a, r) => a + r.total, 0),
    failures: reports.flatMap((r) => r.failures),
  }
}
