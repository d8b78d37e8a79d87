// The run directory's record: transcript.md (re-rendered atomically as blocks end) and
// events.jsonl (one JSON event per line, appended as they happen).
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunEvent } from '../events/events.js'
import { EVENTS_FILE } from '../events/read.js'
import { writeAtomic } from '../state/atomic.js'
import { TranscriptModel, type RenderOptions } from './transcript.js'

export class TranscriptReporter {
  readonly model = new TranscriptModel()
  constructor(
    private readonly runDir: string,
    private readonly runbookText: string,
    private readonly opts: RenderOptions = {},
  ) {}

  async on(e: RunEvent): Promise<void> {
    this.model.apply(e)
    if (e.type === 'block-end' || e.type === 'run-end' || e.type === 'run-start') await this.write()
  }

  async write(): Promise<void> {
    await writeAtomic(join(this.runDir, 'transcript.md'), this.model.render(this.runbookText, this.opts))
  }
}

export class JsonlReporter {
  private readonly path: string
  constructor(runDir: string) {
    this.path = join(runDir, EVENTS_FILE)
  }
  on(e: RunEvent): void {
    // One write per event: a line is either whole or absent after a crash.
    appendFileSync(this.path, `${JSON.stringify(e)}\n`, { mode: 0o600 })
  }
}
