// Where a running block's output goes: its log file (masked), the event stream (coalesced) and
// a short tail for the last line. One instance per block run.
//
// The log is written synchronously, chunk by chunk as the pipe delivers it: a write to a file
// the page cache takes returns at once, it keeps no copy in memory (a write stream queues what
// the disk has not taken yet, without bound while a block floods), and a block costs no
// thread-pool round trips (a stream's open, writes and close are each one, and under load
// each wake-up waits its turn for a core).
import { closeSync, openSync, writeSync } from 'node:fs'
import type { Masker, StreamMasker } from '../common/mask.js'
import { now, type EventBus } from '../events/events.js'

/** Output waiting longer than this, or more than FLUSH_BYTES of it, becomes one event. */
const FLUSH_MS = 100
const FLUSH_BYTES = 65536
const TAIL_CHARS = 4096

export class BlockOutput {
  #fd: number | undefined
  #stream: StreamMasker | undefined
  #pending: Buffer[] = []
  #pendingBytes = 0
  #timer: NodeJS.Timeout | undefined
  #tail = ''
  bytes = 0

  constructor(
    file: string,
    private readonly bus: EventBus,
    private readonly step: string,
    secrets?: Masker,
  ) {
    this.#fd = openSync(file, 'w', 0o600)
    this.#stream = secrets?.active ? secrets.stream() : undefined
  }

  /** For the target's onOutput: bound, so it can be passed as is. */
  readonly write = (raw: Buffer): void => {
    this.#take(this.#stream ? this.#stream.push(raw) : raw)
    // Output events are coalesced: a flood must not become a million events.
    if (this.#pendingBytes > FLUSH_BYTES) void this.#flush()
    else this.#timer ??= setTimeout(() => void this.#flush(), FLUSH_MS)
  }

  /** The masker's held-back rest, the last event, and the file closed. */
  async close(): Promise<void> {
    const rest = this.#stream?.end()
    if (rest?.length) this.#take(rest)
    await this.#flush()
    if (this.#fd !== undefined) closeSync(this.#fd)
    this.#fd = undefined
  }

  /** The last non-empty line (what `capture=` stores). */
  get lastLine(): string {
    return this.#tail.replace(/\n+$/, '').split('\n').pop() ?? ''
  }

  #take(chunk: Buffer): void {
    this.bytes += chunk.length
    if (this.#fd !== undefined) for (let at = 0; at < chunk.length;) at += writeSync(this.#fd, chunk, at)
    // Only the chunk's end can reach the tail (TAIL_CHARS characters are at most 4 bytes each).
    const end = chunk.length > 4 * TAIL_CHARS + 4 ? chunk.subarray(chunk.length - 4 * TAIL_CHARS - 4) : chunk
    this.#tail = (this.#tail + end.toString('utf8')).slice(-TAIL_CHARS)
    this.#pending.push(chunk)
    this.#pendingBytes += chunk.length
  }

  async #flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    if (!this.#pending.length) return
    const data = Buffer.concat(this.#pending).toString('utf8')
    this.#pending = []
    this.#pendingBytes = 0
    await this.bus.emit({ type: 'output', time: now(), step: this.step, data })
  }
}
