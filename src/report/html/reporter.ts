// report.html for every run: a reporter on the run's event bus that folds the events into the
// page's model as they come (output bounded to head and tail) and writes the page when the run
// ends — passed, failed, interrupted (Ctrl-C, SIGTERM) or docrun's own error.
import type { RunEvent } from '../../events/events.js'
import { RunModel } from './model.js'
import { reportPath, writeReport } from './render.js'

export interface HtmlReporterOptions {
  /** Write the page here instead of <run dir>/report.html. */
  path?: string
}

export class HtmlReporter {
  private readonly model = new RunModel()
  constructor(
    private readonly runDir: string,
    private readonly opts: HtmlReporterOptions = {},
  ) {}

  async on(e: RunEvent): Promise<void> {
    this.model.apply(e)
    // The page is a view of the run, not part of it: failing to write it fails no run.
    if (e.type === 'run-end') await this.write().catch((error: Error) => process.stderr.write(`docrun: could not write the report page: ${error.message}\n`))
  }

  async write(): Promise<void> {
    await writeReport({ ...this.model.view(), runDir: this.runDir }, this.opts.path ?? reportPath(this.runDir))
  }
}
