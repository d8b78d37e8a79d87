// The drift report of a document run as it is: where it stopped (the document's line, the
// command, the reason in words), whose that is, and what `docrun lint` finds in the rest
// without running it. Markdown, written beside the transcript.
import type { Plan, Step } from '../plan/types.js'
import type { BlockResult } from '../events/events.js'
import { classify, expectationCause, type Cause, type Whose } from './classify.js'
import { escapeCell } from '../report/transcript.js'
import { linesOf, oneLine, shellParser } from '../syntax/shell.js'

export interface LintNote {
  /** Runbook line. */
  line: number
  ruleId: string
  message: string
}

export interface DriftInput {
  document: string
  runbook: string
  runId: string
  plan: Plan
  results: Map<string, BlockResult>
  failed: { step: Step; result: BlockResult; output: string }
  lint: LintNote[]
  /** The document line of each of its literal blocks (front matter `imported-lines`). */
  documentLines: number[]
  /** What `docrun lint --probe` found in the archive the document installs from, or why it could not look. */
  probe?: { archive: string; findings: { step: Step; line: number; message: string }[] } | { error: string }
}

export interface DriftStop {
  cause: Cause
  docLine?: number
  command: string
}

const WHOSE: Record<Whose, string> = {
  document: 'drift in the document',
  machine: 'a limit of this machine, not the document',
  reader: 'a step that needs its reader',
  expectation: 'the expectation failed: the command printed other output than the document shows',
  unknown: 'not recognised: read the output below',
}

/** Where the block maps into the document: its `mirrors=N` block's line, plus an offset in it. */
const docLineOf = (step: Step, documentLines: number[], offset = 0) => {
  const n = Number(step.attrs.mirrors)
  const line = Number.isInteger(n) && n > 0 ? documentLines[n - 1] : undefined
  return line ? line + offset : undefined
}

/** The block's {expect} that did not hold, if that is why it failed. */
const failedExpectation = (result: BlockResult) => result.checks?.find((c) => c.kind === 'expect' && !c.passed)

export async function driftStop(step: Step, result: BlockResult, output: string, documentLines: number[]): Promise<DriftStop> {
  const expectation = result.status === 'failed' ? failedExpectation(result) : undefined
  const cause = expectation ? expectationCause(expectation.diff) : classify(result.message ?? '', output)
  const lines = step.content.split('\n')
  let at = cause.needle ? lines.findIndex((l) => l.includes(cause.needle!)) : -1
  if (at < 0) at = lines.findIndex((l) => l.trim() && !l.trim().startsWith('#'))
  // A command continued over lines starts where its first line is: the outermost command there.
  const script = (await shellParser())(step.content)
  const cmd = script.commands.find((c) => c.at.line <= at && c.end.line >= at)
  const from = cmd ? cmd.at.line : at
  const command = at >= 0 ? linesOf(script, from, cmd ? cmd.end.line : at) : step.content
  const docLine = docLineOf(step, documentLines, Math.max(0, from))
  return { cause, command, ...(docLine ? { docLine } : {}) }
}

export async function renderDriftReport(d: DriftInput): Promise<string> {
  const stop = await driftStop(d.failed.step, d.failed.result, d.failed.output, d.documentLines)
  const where = (s: Step) => {
    const line = docLineOf(s, d.documentLines)
    return line ? `${d.document}:${line}` : 'not in the document'
  }
  const out = [
    `# Drift report: ${d.document}`,
    '',
    `The document was run as it is (imported to \`${d.runbook}\`, run \`${d.runId}\`) and stopped at block \`${d.failed.step.id}\`.`,
    '',
    '| | |',
    '|---|---|',
    `| document line | ${stop.docLine ? `${d.document}:${stop.docLine}` : 'unknown'} |`,
    `| section | ${d.failed.step.section?.label ?? ''} |`,
    `| runs in | ${d.failed.step.target.name} |`,
    `| command | \`${oneLine(stop.command).replace(/\|/g, '\\|')}\` |`,
    `| what happened | ${escapeCell(d.failed.result.message ?? '')} |`,
    `| reason | ${escapeCell(stop.cause.reason)} |`,
    `| whose | **${WHOSE[stop.cause.whose]}** |`,
    '',
  ]
  const diff = failedExpectation(d.failed.result)?.diff
  if (stop.cause.whose === 'expectation' && diff) {
    const lines = diff.split('\n')
    const shown = [...lines.slice(0, 40), ...(lines.length > 40 ? [`... (${lines.length - 40} more lines)`] : [])]
    out.push('What the document shows (expected) against what the command printed (actual):', '', '```diff', ...shown, '```', '')
  }
  const tail = d.failed.output.trimEnd().split('\n').slice(-15).join('\n')
  if (tail.trim()) out.push("The block's last output:", '', '```text', tail, '```', '')
  out.push('## Blocks', '', '| block | document | runs in | outcome |', '|---|---|---|---|')
  for (const s of d.plan.steps) {
    if (s.action === 'none') continue
    const r = d.results.get(s.id)
    out.push(`| \`${s.id}\` | ${where(s)} | ${s.target.name}${s.boot ? ` (starts guest ${s.boot.guest})` : ''} | ${r ? r.status : 'not run'} |`)
  }
  out.push('')
  const later = d.lint.filter((l) => ['placeholder', 'interactive'].includes(l.ruleId))
  if (later.length) {
    out.push(
      '## Found without running',
      '',
      'What `docrun lint` finds in the document that will stop an unattended run too (drift in the document, or steps that need the reader):',
      '',
    )
    for (const l of later) {
      const step = d.plan.steps.find((s) => s.position.start.line < l.line && s.position.end.line > l.line)
      const docLine = step ? docLineOf(step, d.documentLines, l.line - step.position.start.line - 1) : undefined
      out.push(`- ${docLine ? `${d.document}:${docLine}` : `runbook line ${l.line}`} (${l.ruleId}): ${l.message}`)
    }
    out.push('')
  }
  if (d.probe) {
    out.push('## Found in the archive', '')
    if ('error' in d.probe) out.push(`\`docrun lint --probe\` could not look: ${d.probe.error}`, '')
    else {
      out.push(
        `What \`docrun lint --probe\` finds in ${d.probe.archive}, the archive the document installs from${d.probe.findings.length ? ':' : ': nothing.'}`,
        '',
      )
      for (const f of d.probe.findings) {
        const docLine = docLineOf(f.step, d.documentLines, f.line)
        out.push(`- ${docLine ? `${d.document}:${docLine}` : `block ${f.step.id}`}: ${f.message}`)
      }
      if (d.probe.findings.length) out.push('')
    }
  }
  return out.join('\n')
}
