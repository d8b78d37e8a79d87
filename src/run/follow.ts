// Follow a run from its event stream (events.jsonl), as it is written: the same events a
// foreground run's reporters get, so `docrun status --follow` renders the same way.
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { isAlive } from '../state/lock.js'
import type { RunEvent } from '../events/events.js'
import { EVENTS_FILE, EventLineReader } from '../events/read.js'

export type FollowEnd =
  | { kind: 'ended'; event: Extract<RunEvent, { type: 'run-end' }> }
  /** The docrun process is gone and wrote no run-end (kill -9, a crash). */
  | { kind: 'gone'; pid: number }
  | { kind: 'aborted' }

export interface FollowOptions {
  onEvent: (e: RunEvent) => void
  signal?: AbortSignal
  pollMs?: number
  /** Give up when the run has not started (no events file) within this long. */
  startTimeoutMs?: number
}

/** Wait `ms`, or less when the signal aborts; true when it aborted. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return sleep(ms, false, { signal }).catch(() => true)
}

export async function followRun(runDir: string, opts: FollowOptions): Promise<FollowEnd> {
  const path = join(runDir, EVENTS_FILE)
  const poll = opts.pollMs ?? 200
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000)
  let handle
  while (!handle) {
    handle = await open(path, 'r').catch(() => undefined)
    if (handle) break
    if (opts.signal?.aborted) return { kind: 'aborted' }
    if (Date.now() > deadline) throw new Error(`no run record in ${runDir}: ${path} does not exist`)
    if (await pause(poll, opts.signal)) return { kind: 'aborted' }
  }
  try {
    let offset = 0
    let owner: { pid: number; startTime: string } | undefined
    let lastCheck = false
    const reader = new EventLineReader()
    const buf = Buffer.alloc(1 << 16)
    for (;;) {
      if (opts.signal?.aborted) return { kind: 'aborted' }
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset)
      if (bytesRead > 0) {
        offset += bytesRead
        for (const e of reader.push(buf.subarray(0, bytesRead))) {
          if (e.type === 'run-start' && e.pid) owner = { pid: e.pid, startTime: e.pidStart ?? '' }
          opts.onEvent(e)
          if (e.type === 'run-end') return { kind: 'ended', event: e }
        }
        continue
      }
      // Nothing new: is the run's docrun still there? Read once more after it is gone, since
      // its last lines may have landed between the read and the check.
      if (owner && !isAlive(owner)) {
        if (lastCheck) return { kind: 'gone', pid: owner.pid }
        lastCheck = true
        continue
      }
      if (await pause(poll, opts.signal)) return { kind: 'aborted' }
    }
  } finally {
    await handle.close()
  }
}
