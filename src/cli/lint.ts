// `docrun lint RUNBOOK…`: what is wrong with runbooks (or documents as they are), with line:column.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { hasErrors, readCached, sha256, writeCached, type CacheOptions } from '../runbook/parse-cached.js'
import { SOURCE } from '../runbook/diagnostics.js'
import { buildPlan, PlanError } from '../plan/plan.js'
import type { Plan, Step } from '../plan/types.js'
import { EXIT } from '../common/exit-codes.js'
import { isImportable, loadDocument } from './import.js'
import { CliError, formatDiagnostics } from './load.js'

export interface LintCliOptions {
  probe?: boolean
  tree?: string
  inferExpect?: boolean
  /** false: `--no-cache` (neither the lint cache nor the parsed-runbook cache). */
  cache?: boolean
}

interface LintReport {
  text: string
  errors: boolean
}

export async function lintCommand(paths: string[], opts: LintCliOptions = {}): Promise<number> {
  let errors = false
  for (const path of paths) {
    const { text, errors: failed } = await lintCached(path, opts)
    process.stderr.write(`${text}\n`)
    errors ||= failed
  }
  return errors ? EXIT.usage : EXIT.ok
}

/**
 * A runbook's lint report, kept like `eslint --cache` keeps one: keyed by the runbook's bytes,
 * its path (the report names it), docrun's build and the options and colours the report
 * depends on. Nothing else enters lint's verdict (the rules read only the runbook), except
 * --probe, which asks the archive and is never cached; nor is a document as it is (pandoc).
 */
async function lintCached(path: string, opts: LintCliOptions): Promise<LintReport> {
  const cache: CacheOptions = { enabled: opts.cache !== false && !opts.probe && !isImportable(path) }
  let key: string | undefined
  if (cache.enabled) {
    try {
      const color = [process.stderr.isTTY, process.env.FORCE_COLOR, process.env.NO_COLOR, process.env.TERM, process.env.COLORTERM]
      key = sha256(JSON.stringify([resolve(path), path, sha256(readFileSync(path)), opts.inferExpect !== false, color]))
    } catch {
      cache.enabled = false // unreadable: loadDocument says why
    }
  }
  const hit = key ? readCached<LintReport>('lint', key) : undefined
  if (hit && typeof hit.text === 'string') return hit
  const report = await lintOne(path, opts, cache)
  if (key) writeCached('lint', key, report)
  return report
}

async function lintOne(path: string, opts: LintCliOptions, cache: CacheOptions): Promise<LintReport> {
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
