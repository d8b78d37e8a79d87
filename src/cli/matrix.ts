// `docrun matrix RUNBOOK` (--emit github|gitlab|json, or --local -j N) and `docrun report merge RUN_DIRS…`.
import { resolve, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadRunbook, hasErrors } from '../runbook/parse-cached.js'
import { expandMatrix, type MatrixEntry } from '../matrix/expand.js'
import { emitGithub, emitGitlab, emitJson, JOB_LIMIT } from '../matrix/emit.js'
import { runLocal, statusLine } from '../matrix/local.js'
import { mergeRuns, renderMergeTable } from '../report/merge.js'
import { writeAtomic } from '../state/atomic.js'
import { docrunPaths } from '../state/paths.js'
import { EXIT } from '../common/exit-codes.js'
import { CliError, formatDiagnostics } from './load.js'

export interface MatrixCliOptions {
  emit?: string
  workflow?: boolean
  local?: boolean
  jobs?: string
  workspaceRoot?: string
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`)

async function loadMatrix(path: string) {
  const parsed = await loadRunbook(path).catch((error: Error) => {
    throw new CliError(`cannot read ${path}: ${error.message}`)
  })
  if (hasErrors(parsed.file)) throw new CliError(`${await formatDiagnostics(parsed.file)}\n\ndocrun: ${path} has errors.`)
  const spec = parsed.runbook.frontmatter.matrix
  if (!spec) throw new CliError(`${path} has no \`matrix:\` in its front matter (e.g. \`matrix: {kernel: ['6.1', '7.2']}\`)`)
  const entries = expandMatrix(spec)
  if (!entries.length) throw new CliError(`${path}: the matrix has no entries (every combination is excluded)`)
  return { runbook: parsed.runbook, entries }
}

const describe = (e: MatrixEntry) =>
  `${e.id}  ${Object.entries(e.params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ')}`

export async function matrixCommand(path: string, opts: MatrixCliOptions): Promise<number> {
  const { runbook, entries } = await loadMatrix(path)
  if (opts.local && opts.emit) throw new CliError('docrun matrix: --emit prints the matrix for a CI system, --local runs it here; choose one')
  if (!opts.local) {
    const input = { runbook: path, entries, params: runbook.frontmatter.params }
    const limit = JOB_LIMIT[opts.emit as keyof typeof JOB_LIMIT] as number | undefined
    if (limit && entries.length > limit) {
      process.stderr.write(`docrun: warning: ${entries.length} entries; ${opts.emit} runs at most ${limit} jobs of one matrix\n`)
    }
    if (opts.emit === 'github') out(emitGithub(input, { workflow: opts.workflow === true }))
    else if (opts.emit === 'gitlab') out(emitGitlab(input, { workflow: opts.workflow === true }))
    else if (opts.emit === 'json') out(emitJson(input))
    else if (opts.emit) throw new CliError(`--emit ${opts.emit}: github, gitlab or json`)
    else out(entries.map(describe).join('\n'))
    return EXIT.ok
  }
  const jobs = Number(opts.jobs ?? 1)
  if (!Number.isInteger(jobs) || jobs < 1) throw new CliError(`-j ${opts.jobs}: a number of runs at once, 1 or more`)
  const root = resolve(opts.workspaceRoot ?? 'ws')
  process.stderr.write(`docrun: ${entries.length} matrix entries of ${path}, ${jobs} at a time, in ${root}/<id>\n`)
  // The real CLI, as a user would run it: this docrun's own main.js beside this file.
  const cli = fileURLToPath(new URL('./main.js', import.meta.url))
  const results = await runLocal({ runbook: resolve(path), entries, jobs, root, cli, onEnd: (r) => out(statusLine(r)) })
  // Every entry that ran has a row, also one that left no run record (`no report`).
  const dirs = results.filter((r) => r.status !== 'not run').map((r) => r.runDir ?? docrunPaths(r.workspace).latest)
  const merged = await mergeRuns(dirs)
  await writeAtomic(join(root, 'junit.xml'), merged.junit)
  await writeAtomic(join(root, 'summary.json'), `${JSON.stringify(merged.summary, null, 2)}\n`)
  out(`\n${renderMergeTable(merged.rows)}`)
  out(`merged report: ${join(root, 'junit.xml')} and ${join(root, 'summary.json')}`)
  if (results.some((r) => r.status === 'interrupted' || r.status === 'not run')) return EXIT.interrupted
  return results.every((r) => r.status === 'passed') ? EXIT.ok : EXIT.failed
}

export async function reportMergeCommand(dirs: string[], opts: { junit?: string; json?: string }): Promise<number> {
  const merged = await mergeRuns(dirs)
  if (opts.junit) await writeAtomic(resolve(opts.junit), merged.junit)
  if (opts.json) await writeAtomic(resolve(opts.json), `${JSON.stringify(merged.summary, null, 2)}\n`)
  out(renderMergeTable(merged.rows))
  return merged.summary.status === 'passed' ? EXIT.ok : EXIT.failed
}
