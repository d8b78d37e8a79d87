// `docrun lint RUNBOOK…`: what is wrong with runbooks (or documents as they are), with line:column.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { readCached, sha256, writeCached, type CacheOptions } from '../runbook/parse-cached.js'
import { EXIT } from '../common/exit-codes.js'
import { isImportable } from './importable.js'

export interface LintCliOptions {
  probe?: boolean
  tree?: string
  inferExpect?: boolean
  /** false: `--no-cache` (neither the lint cache nor the parsed-runbook cache). */
  cache?: boolean
}

export interface LintReport {
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
  // The runbook's parse, the plan and the rules load only when the report is not in the cache.
  const report = await (await import('./lint-run.js')).lintOne(path, opts, cache)
  if (key) writeCached('lint', key, report)
  return report
}
