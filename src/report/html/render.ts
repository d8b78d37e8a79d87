// A run's report page from its run directory: read its events (whatever can be read), the
// earlier runs of its runbook for the durations to compare with, and write report.html.
import { dirname, join, relative, resolve } from 'node:path'
import { readEventLog } from '../../events/read.js'
import { writeAtomic } from '../../state/atomic.js'
import { modelOf, type RunView } from './model.js'
import { loadBaseline } from './previous.js'
import { renderPage } from './page.js'
import { compareRuns } from './compare.js'
import type { Href } from './output.js'

export const REPORT_FILE = 'report.html'

/** A run's view model from its events.jsonl; undefined when the run has none. */
export async function readRunView(runDir: string): Promise<RunView | undefined> {
  const log = await readEventLog(runDir)
  if (!log) return undefined
  const view = modelOf(log.events, log.problems)
  // A run read back: where it is now (it may have been moved), not where it was written.
  return { ...view, runDir: resolve(runDir) }
}

/** Links from a page written at `htmlPath` to the files of the run directory. */
export const hrefFrom =
  (htmlPath: string, runDir: string): Href =>
  (file) =>
    relative(dirname(resolve(htmlPath)), join(resolve(runDir), file)) || file

export async function writeReport(view: RunView, htmlPath: string, opts: { compare?: RunView } = {}): Promise<void> {
  const baseline = await loadBaseline(view, (b) => b.attempts.length > 0 || b.result !== undefined)
  const page = renderPage(view, {
    baseline,
    href: hrefFrom(htmlPath, view.runDir),
    ...(opts.compare ? { compare: { view: opts.compare, rows: compareRuns(view, opts.compare) } } : {}),
  })
  await writeAtomic(htmlPath, page)
}

/** The default place of a run's page: beside its transcript. */
export const reportPath = (runDir: string) => join(runDir, REPORT_FILE)
