// `docrun report [RUN] [--html PATH] [--compare RUN]`: a run's report page, rendered again
// from its events.jsonl alone (runs made before the page existed too), and two runs compared
// block by block (in the page, or as text on stdout without --html).
import { resolve } from 'node:path'
import { readRunStart } from '../events/read.js'
import { isAlive } from '../state/lock.js'
import { readRunView, reportPath, writeReport } from '../report/html/render.js'
import { compareRuns, compareText } from '../report/html/compare.js'
import type { RunView } from '../report/html/model.js'
import { EXIT } from '../common/exit-codes.js'
import { CliError } from './load.js'
import { findRunDir } from './background.js'

export interface ReportCliOptions {
  workspace?: string
  run?: string
  html?: string
  compare?: string
}

/** A run's view; a run without run-end whose docrun is gone is said to be unfinished, not running. */
async function viewOf(runDir: string): Promise<RunView> {
  const view = await readRunView(runDir)
  if (!view) throw new CliError(`no events.jsonl in ${runDir}: not a docrun run directory`)
  if (view.status !== 'running') return view
  const start = await readRunStart(runDir)
  const alive = start?.pid ? isAlive({ pid: start.pid, startTime: start.pidStart ?? '' }) : false
  return alive ? view : { ...view, status: 'unfinished' }
}

export async function reportCommand(opts: ReportCliOptions): Promise<number> {
  const runDir = await findRunDir(opts.workspace, opts.run)
  const view = await viewOf(runDir)
  const other = opts.compare ? await viewOf(await findRunDir(opts.workspace, opts.compare)) : undefined
  const first = view.problems[0]
  if (first) {
    const n = view.problems.length
    const where = `${runDir}/events.jsonl`
    process.stderr.write(`docrun: ${n} line(s) of ${where} could not be read (first: line ${first.line}, ${first.reason}); the page shows the rest\n`)
  }
  if (other && !opts.html) {
    process.stdout.write(compareText(view, other, compareRuns(view, other)))
    return EXIT.ok
  }
  const path = resolve(opts.html ?? reportPath(runDir))
  await writeReport(view, path, other ? { compare: other } : {})
  process.stdout.write(`${path}\n`)
  return EXIT.ok
}
