// `docrun lint`'s work when its report is not cached (./lint.ts): the runbook (or the document as
// it imports) parsed, planned and linted, with --probe's look-ups in the archive.
import { resolve } from 'node:path'
import { hasErrors, type CacheOptions } from '../runbook/parse-cached.js'
import { SOURCE } from '../runbook/diagnostics.js'
import { buildPlan, PlanError } from '../plan/plan.js'
import type { Plan, Step } from '../plan/types.js'
import { loadDocument } from './import.js'
import { CliError, formatDiagnostics } from './load.js'
import type { LintCliOptions, LintReport } from './lint.js'

export async function lintOne(path: string, opts: LintCliOptions, cache: CacheOptions): Promise<LintReport> {
  // A document as it is (.rst) is linted as it imports, with its findings at its own lines.
  const { runbook, file } = await loadDocument(path, { inferExpect: opts.inferExpect !== false }, cache)
  let plan: Plan | undefined
  try {
    plan = buildPlan(runbook, file)
    await (await import('../lint/lint.js')).lintPlan(runbook, plan, file)
  } catch (error) {
    if (!(error instanceof PlanError)) throw error
  }
  if (plan && opts.probe) {
    const { findings, archive } = await (await import('../lint/probe.js')).probePackages(plan).catch((e: Error) => {
      throw new CliError(`--probe: ${e.message}`)
    })
    if (opts.tree) findings.push(...(await (await import('../lint/probe-tree.js')).probeTree(plan, resolve(opts.tree))))
    const starts = runbook.frontmatter.extra['imported-lines']
    const docLine = (step: Step, line: number) => {
      const n = Number(step.attrs.mirrors)
      return Array.isArray(starts) && Number.isInteger(n) && starts[n - 1] ? Number(starts[n - 1]) + line : undefined
    }
    process.stderr.write(`docrun: --probe looked the packages up in ${archive}\n`)
    for (const f of findings) {
      const line = f.step.position.start.line + 1 + f.line
      const d = docLine(f.step, f.line)
      const command = f.step.content.split('\n')[f.line]!.trim()
      const msg = file.message(`${f.message}${d ? ` (document line ${d}: \`${command}\`)` : ''}`, {
        place: { line, column: f.column + 1 },
        ruleId: 'probe',
        source: SOURCE,
      })
      msg.fatal = false
    }
  }
  return { text: await formatDiagnostics(file), errors: hasErrors(file) }
}
