// Find and load a runbook's TypeScript checks module. Convention (design.md): front matter
// `checks: PATH` (relative to the runbook); else `checks/<name>.ts` beside the `runbooks/`
// folder that holds the runbook. The module is TypeScript, loaded with tsx.
import { existsSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { DocrunError } from '../common/errors.js'
import { after, registry, type RegisteredCheck } from './api.js'

export function checksModulePath(runbookPath: string, declared?: string): { path: string; declared: boolean } | undefined {
  const abs = resolve(runbookPath)
  if (declared) return { path: resolve(dirname(abs), declared), declared: true }
  const dir = dirname(abs)
  if (basename(dir) !== 'runbooks') return undefined
  return { path: join(dirname(dir), 'checks', `${basename(abs).replace(/\.(md|markdown)$/i, '')}.ts`), declared: false }
}

export class ChecksLoadError extends DocrunError {}

/** The module's registered checks; none when the runbook has no module. */
export async function loadChecks(runbookPath: string, declared?: string): Promise<{ path?: string; checks: RegisteredCheck[] }> {
  const where = checksModulePath(runbookPath, declared)
  if (!where) return { checks: [] }
  if (!existsSync(where.path)) {
    if (where.declared) throw new ChecksLoadError(`the runbook's checks module ${where.path} does not exist (front matter \`checks:\`)`)
    return { checks: [] }
  }
  const reg = registry()
  reg.length = 0
  // tsx and expect load only for a runbook that has a checks module (~0.5 s of a run's start on this VM).
  const [{ tsImport }, { expect }] = await Promise.all([import('tsx/esm/api'), import('expect')])
  let mod: { default?: unknown }
  try {
    mod = (await tsImport(pathToFileURL(where.path).href, import.meta.url)) as { default?: unknown }
  } catch (error) {
    throw new ChecksLoadError(`cannot load the checks module ${where.path}: ${(error as Error).message}`)
  }
  // A module may also export a function that registers with the API it is given.
  if (typeof mod.default === 'function') await (mod.default as (api: { after: typeof after; expect: unknown }) => unknown)({ after, expect })
  return { path: where.path, checks: [...reg] }
}
