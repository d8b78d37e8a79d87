// The one reader of a run's events.jsonl: whole (transcript, report), its first or last event
// (who runs it, how it ended), or line by line as it is written (status --follow).
import { createReadStream } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import type { RunEvent } from './events.js'

export const EVENTS_FILE = 'events.jsonl'

/** A line that could not be read: its number and why (a torn last line of a killed run, a bad edit). */
export interface EventProblem {
  line: number
  reason: string
}

export interface EventLog {
  events: RunEvent[]
  problems: EventProblem[]
}

const EVENT_TYPES = new Set(['run-start', 'note', 'block-start', 'output', 'block-end', 'block-skip', 'run-end'])

/** One line of events.jsonl: the event, or why it is not one. */
export function parseEventLine(line: string): RunEvent | { problem: string } {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` }
  }
  const type = (value as { type?: unknown } | null)?.type
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) return { problem: `not a docrun event (type ${JSON.stringify(type)})` }
  return value as RunEvent
}

/** Every event of a text, and the lines that are not events (with their numbers). */
export function parseEventLog(text: string): EventLog {
  const log: EventLog = { events: [], problems: [] }
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    const e = parseEventLine(line)
    if ('problem' in e) log.problems.push({ line: i + 1, reason: e.problem })
    else log.events.push(e)
  })
  return log
}

/**
 * Events from a byte stream that grows (a run being written, or a file read in pieces): a torn
 * last line (or character) waits for the rest; lines that are not events are passed over.
 */
export class EventLineReader {
  private readonly decoder = new StringDecoder('utf8')
  private rest = ''

  push(chunk: Buffer): RunEvent[] {
    const lines = (this.rest + this.decoder.write(chunk)).split('\n')
    this.rest = lines.pop() ?? ''
    const events: RunEvent[] = []
    for (const line of lines) {
      if (!line.trim()) continue
      const e = parseEventLine(line)
      if (!('problem' in e)) events.push(e)
    }
    return events
  }
}

/** A run's events one by one, read as a stream (a flood's output can make the log too large for one string). */
export async function* streamEvents(runDir: string): AsyncGenerator<RunEvent> {
  const reader = new EventLineReader()
  const stream = createReadStream(join(runDir, EVENTS_FILE))
  try {
    for await (const chunk of stream) yield* reader.push(chunk as Buffer)
    yield* reader.push(Buffer.from('\n'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  } finally {
    stream.destroy()
  }
}

/** A run directory's events; undefined when it has no events file. */
export async function readEventLog(runDir: string): Promise<EventLog | undefined> {
  const text = await readFile(join(runDir, EVENTS_FILE), 'utf8').catch(() => undefined)
  return text === undefined ? undefined : parseEventLog(text)
}

/**
 * The events of one type only: a line is parsed only when it says that type, so the output
 * lines (most of a build's log) cost a substring search, not a JSON parse. An escaped quote in
 * an output line (`\"type\"`) never matches the unescaped `"type":"…"` searched for.
 */
export async function readEventsOfType<T extends RunEvent['type']>(runDir: string, type: T): Promise<Extract<RunEvent, { type: T }>[]> {
  const text = await readFile(join(runDir, EVENTS_FILE), 'utf8').catch(() => '')
  const mark = `"type":${JSON.stringify(type)}`
  const found: Extract<RunEvent, { type: T }>[] = []
  for (const line of text.split('\n')) {
    if (!line.includes(mark)) continue
    const e = parseEventLine(line)
    if ('type' in e && e.type === type) found.push(e as Extract<RunEvent, { type: T }>)
  }
  return found
}

/** The run-start event (who runs it), read from the file's head only: the log may be large. */
export async function readRunStart(runDir: string): Promise<Extract<RunEvent, { type: 'run-start' }> | undefined> {
  const head = await readHead(join(runDir, EVENTS_FILE), 1 << 20)
  const first = head?.split('\n', 1)[0]
  if (!first) return undefined
  const e = parseEventLine(first)
  return 'type' in e && e.type === 'run-start' ? e : undefined
}

/** Who a run was, from its run-start: its id, when it started, the runbook's sha256. */
export interface RunIdentity {
  runId: string
  time: string
  sha256: string
}

// The head of a run-start line as session.ts writes it; the plan that follows can be large.
const RUN_START_HEAD =
  /^\{"type":"run-start","time":"([^"\\]+)","runId":"([^"\\]+)","runDir":"(?:[^"\\]|\\.)*","plan":\{"runbook":\{"path":"(?:[^"\\]|\\.)*","sha256":"([0-9a-f]{64})"/

/** The identity in the head of an events.jsonl docrun wrote; undefined for a head of another shape. */
export function runIdentityOfHead(head: string): RunIdentity | undefined {
  const m = RUN_START_HEAD.exec(head)
  return m ? { time: m[1]!, runId: m[2]!, sha256: m[3]! } : undefined
}

/**
 * A run's identity without parsing its plan: a workspace's report page looks at many earlier
 * runs, and each run-start line holds the whole plan (hundreds of KB for a long runbook). A
 * line of another shape (another writer, an older docrun) is parsed whole instead.
 */
export async function readRunIdentity(runDir: string): Promise<RunIdentity | undefined> {
  const fast = runIdentityOfHead((await readHead(join(runDir, EVENTS_FILE), 4096)) ?? '')
  if (fast) return fast
  const start = await readRunStart(runDir)
  return start ? { runId: start.runId, time: start.time, sha256: start.plan.runbook.sha256 } : undefined
}

/** The run-end event, if the run wrote one (read from the file's tail). */
export async function readRunEnd(runDir: string): Promise<Extract<RunEvent, { type: 'run-end' }> | undefined> {
  const tail = await readTail(join(runDir, EVENTS_FILE), 1 << 20)
  for (const line of (tail ?? '').trimEnd().split('\n').reverse()) {
    const e = parseEventLine(line)
    if ('type' in e && e.type === 'run-end') return e
  }
  return undefined
}

async function readHead(path: string, max: number): Promise<string | undefined> {
  const h = await open(path, 'r').catch(() => undefined)
  if (!h) return undefined
  try {
    const buf = Buffer.alloc(max)
    const { bytesRead } = await h.read(buf, 0, max, 0)
    return buf.subarray(0, bytesRead).toString('utf8')
  } finally {
    await h.close()
  }
}

async function readTail(path: string, max: number): Promise<string | undefined> {
  const h = await open(path, 'r').catch(() => undefined)
  if (!h) return undefined
  try {
    const { size } = await h.stat()
    const start = Math.max(0, size - max)
    const buf = Buffer.alloc(size - start)
    const { bytesRead } = await h.read(buf, 0, buf.length, start)
    return buf.subarray(0, bytesRead).toString('utf8')
  } finally {
    await h.close()
  }
}
