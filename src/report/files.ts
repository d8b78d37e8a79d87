// The run directory's record: transcript.md (written as blocks finish, rendered whole at the
// run's end) and events.jsonl (one JSON event per line, appended as they happen).
import { appendFileSync, closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { RunEvent } from '../events/events.js'
import { EVENTS_FILE } from '../events/read.js'
import { writeAtomicSync } from '../state/atomic.js'
import { TranscriptModel, type RenderOptions } from './transcript.js'

/**
 * While the run goes, transcript.md grows by one piece per finished block (appended: a cost
 * per block that does not grow with the runbook), so it holds the header and every block
 * finished so far; at the run's end it is rendered whole and replaced atomically (fsync'd).
 * After a kill -9 it ends at the last finished block; `docrun transcript` renders the whole
 * from events.jsonl.
 */
export class TranscriptReporter {
  readonly model = new TranscriptModel()
  /** How many of the runbook's lines the file holds so far. */
  private written = 0
  private readonly path: string
  constructor(
    runDir: string,
    private readonly runbookText: string,
    private readonly opts: RenderOptions = {},
  ) {
    this.path = join(runDir, 'transcript.md')
  }

  async on(e: RunEvent): Promise<void> {
    this.model.apply(e)
    if (e.type === 'run-start') this.start()
    else if (e.type === 'block-skip') this.held += this.piece(e.step)
    else if (e.type === 'block-start') this.flush('')
    else if (e.type === 'block-end') this.flush(this.piece(e.step))
    else if (e.type === 'run-end') await this.write()
  }

  /** The whole transcript, replacing what was written as the run went. */
  async write(): Promise<void> {
    writeAtomicSync(this.path, this.model.render(this.runbookText, this.opts))
  }

  /**
   * Skipped blocks' pieces (a resumed 1,000-block runbook skips 999) wait for the next block's
   * start or end and go with it in one write, not one file append each: the file still holds
   * every block finished before the one running when a kill -9 comes.
   */
  private held = ''

  private start(): void {
    const { text, next } = this.model.piece(this.runbookText, 0, undefined, this.opts)
    writeAtomicSync(this.path, text, { fsync: false })
    this.written = next
  }

  private piece(step: string): string {
    const { text, next } = this.model.piece(this.runbookText, this.written, step, this.opts)
    this.written = next
    return text
  }

  private flush(text: string): void {
    const all = this.held + text
    this.held = ''
    // One write: a kill -9 leaves the file at a block's boundary.
    if (all) appendFileSync(this.path, all)
  }
}

export class JsonlReporter {
  private readonly path: string
  private fd: number | undefined
  constructor(runDir: string) {
    this.path = join(runDir, EVENTS_FILE)
  }
  on(e: RunEvent): void {
    this.fd ??= openSync(this.path, 'a', 0o600)
    // One write per event: a line is either whole or absent after a crash.
    writeSync(this.fd, `${JSON.stringify(e)}\n`)
    if (e.type === 'run-end') {
      closeSync(this.fd)
      this.fd = undefined
    }
  }
}
