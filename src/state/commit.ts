// Group commit: the files a block's end wrote (its journal line, its shell snapshot) are flushed
// to the disk in the background, while the next block runs. One flush at a time; what is
// written while one is in flight goes with the next, so a run of short blocks never waits on
// the disk and costs at most one flush in flight. A kill -9 needs none of this (what was
// written survives the process); a power loss loses at most the blocks whose flush had not
// finished — they run again on --resume, as the block that was running does.
import { closeSync, fdatasync, openSync } from 'node:fs'
import { promisify } from 'node:util'

const datasync = promisify(fdatasync)

export class GroupCommit {
  private readonly waiting = new Set<string>()
  private flushing: Promise<void> | undefined

  /** Flush `paths` soon (after what is being flushed now). */
  add(...paths: string[]): void {
    for (const p of paths) this.waiting.add(p)
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = undefined
      // Added between the last batch and here: the next flush takes it.
      if (this.waiting.size) this.add()
    })
  }

  /** Everything added so far is on the disk. */
  async settle(): Promise<void> {
    while (this.flushing) await this.flushing
  }

  private async flushAll(): Promise<void> {
    while (this.waiting.size) {
      // A snapshot before the journal line that says the block left it.
      const batch = [...this.waiting]
      this.waiting.clear()
      // The snapshots side by side, then the journal: one thread-pool round trip each.
      const journal = batch.filter((p) => p.endsWith('.journal'))
      await Promise.all(batch.filter((p) => !p.endsWith('.journal')).map(flush))
      for (const p of journal) await flush(p)
    }
  }
}

/** fdatasync of one file; only the flush itself leaves the main thread (open and close take microseconds). */
async function flush(path: string): Promise<void> {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return // replaced since (a whole state write removes the journal; it was fsync'd itself)
  }
  try {
    await datasync(fd)
  } catch {
    // nothing to flush on this file system
  } finally {
    closeSync(fd)
  }
}
