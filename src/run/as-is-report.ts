// A document run as it is (`docrun run DOC.rst`) that stopped: the drift report says where in
// the document, why, and whose it is (the document's, this machine's, or its reader's).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { VFile } from 'vfile'
import { lintPlan } from '../lint/lint.js'
import { probePackages } from '../lint/probe.js'
import { driftStop, renderDriftReport } from '../drift/report.js'
import type { Plan, Step } from '../plan/types.js'
import type { Runbook } from '../runbook/types.js'
import type { BlockResult } from '../events/events.js'
import type { Masker } from '../common/mask.js'
import { writeAtomic } from '../state/atomic.js'

export interface StoppedRun {
  runbook: Runbook
  runbookPath: string
  plan: Plan
  runId: string
  runDir: string
  results: Map<string, BlockResult>
  failed: { step: Step; result: BlockResult }
  secrets: Masker
}

const WHOSE = {
  document: 'drift in the document',
  machine: 'a limit of this machine',
  reader: 'needs its reader',
  expectation: 'the expectation failed',
} as Record<string, string>

/** Write drift-report.md into the run directory; the lines to say about it. Undefined when the runbook is no import. */
export async function reportAsIsStop(run: StoppedRun): Promise<string | undefined> {
  const { runbook, plan, failed, secrets } = run
  const importedFrom = runbook.frontmatter.extra['imported-from']
  if (typeof importedFrom !== 'string') return undefined
  const output = failed.result.outputFile ? await readFile(join(run.runDir, failed.result.outputFile), 'utf8').catch(() => '') : ''
  const lintFile = new VFile()
  await lintPlan(runbook, plan, lintFile)
  const lint = lintFile.messages.map((m) => ({ line: m.line ?? 0, ruleId: m.ruleId ?? '', message: m.reason }))
  const raw = runbook.frontmatter.extra['imported-lines']
  const documentLines = Array.isArray(raw) ? raw.map(Number) : []
  // The archive check costs seconds; it says what else has drifted past the stop.
  const probe = await probePackages(plan).then(
    (p) => p,
    (e: Error) => ({ error: e.message }),
  )
  const report = await renderDriftReport({
    document: importedFrom,
    runbook: run.runbookPath,
    runId: run.runId,
    plan,
    results: run.results,
    failed: { ...failed, output: secrets.mask(output) },
    lint,
    documentLines,
    probe,
  })
  const path = join(run.runDir, 'drift-report.md')
  await writeAtomic(path, report)
  const stop = await driftStop(failed.step, failed.result, output, documentLines)
  const where = stop.docLine ? `${importedFrom}:${stop.docLine}` : failed.step.id
  return `docrun: drift report: ${path}\n  stopped at ${where}: ${secrets.mask(stop.cause.reason)} (${WHOSE[stop.cause.whose] ?? 'not recognised'})\n`
}
