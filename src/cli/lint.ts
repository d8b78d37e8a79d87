// `docrun lint RUNBOOK…`: what is wrong with runbooks (or documents as they are), with line:column.
import { resolve } from 'node:path'
import { hasErrors } from '../runbook/parse.js'
import { probePackages } from '../lint/probe.js'
import { probeTree } from '../lint/probe-tree.js'
import { lintPlan } from '../lint/lint.js'
import { SOURCE } from '../runbook/diagnostics.js'
import { buildPlan, PlanError } from '../plan/plan.js'
import type { Plan, Step } from '../plan/types.js'
import { EXIT } from '../common/exit-codes.js'
import { loadDocument } from './import.js'
import { CliError, formatDiagnostics } from './load.js'

export async function lintCommand(paths: string[], opts: { probe?: boolean; tree?: string; inferExpect?: boolean } = {}): Promise<number> {
  let errors = false
  for (const path of paths) {
    // A document as it is (.rst) is linted as it imports, with its findings at its own lines.
    const { runbook, file } = await loadDocument(path, { inferExpect: opts.inferExpect !== false })
    let plan: Plan | undefined
    try {
      plan = buildPlan(runbook, file)
      await lintPlan(runbook, plan, file)
    } catch (error) {
      if (!(error instanceof PlanError)) throw error
    }
    if (plan && opts.probe) {
      const { findings, archive } = await probePackages(plan).catch((e: Error) => {
        throw new CliError(`--probe: ${e.message}`)
      })
      if (opts.tree) findings.push(...(await probeTree(plan, resolve(opts.tree))))
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
    process.stderr.write(`${formatDiagnostics(file)}\n`)
    errors ||= hasErrors(file)
  }
  return errors ? EXIT.usage : EXIT.ok
}
