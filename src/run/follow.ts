// Follow a run from its event stream (events.jsonl), as it is written: the same events a
// foreground run's reporters get, so `docrun status --follow` renders the same way.
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { isAlive } from '../state/lock.js'
import type { RunEvent } from '../events/events.js'

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

export async function followRun(runDir: string, opts: FollowOptions): Promise<FollowEnd> {
  const path = join(runDir, 'events.jsonl')
  const poll = opts.pollMs ?? 200
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000)
  let handle
  while (!handle) {
    try {
      handle = await open(path, 'r')
    } catch {
      if (opts.signal?.aborted) return { kind: 'aborted' }
      if (Date.now() > deadline) throw new Error(`no run record in ${runDir}: ${path} does not exist`)
      await sleep(poll)
    }
  }
  try {
    let offset = 0
    let rest = ''
    let owner: { pid: number; startTime: string } | undefined
    let lastCheck = false
    const buf = Buffer.alloc(1 << 16)
    for (;;) {
      if (opts.signal?.aborted) return { kind: 'aborted' }
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset)
      if (bytesRead > 0) {
        offset += bytesRead
        const lines = (rest + buf.subarray(0, bytesRead).toString('utf8')).split('\n')
        rest = lines.pop() ?? ''
        for (const line of lines) {
          if (!line.trim()) continue
          let e: RunEvent
          try {
            e = JSON.parse(line) as RunEvent
          } catch {
            continue
          }
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
      await sleep(poll)
    }
  } finally {
    await handle.close()
  }
}

/** The run-start event of a run (who runs it), or undefined when it has not started. */
export async function runStart(runDir: string): Promise<Extract<RunEvent, { type: 'run-start' }> | undefined> {
  let text = ''
  try {
    const h = await open(join(runDir, 'events.jsonl'), 'r')
    try {
      const buf = Buffer.alloc(1 << 20)
      const { bytesRead } = await h.read(buf, 0, buf.length, 0)
      text = buf.subarray(0, bytesRead).toString('utf8')
    } finally {
      await h.close()
    }
  } catch {
    return undefined
  }
  const first = text.split('\n', 1)[0]
  try {
    const e = JSON.parse(first ?? '') as RunEvent
    return e.type === 'run-start' ? e : undefined
  } catch {
    return undefined
  }
}
