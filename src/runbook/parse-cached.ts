// A parsed runbook kept on disk, so that `list`, `status` and `run --resume` of a runbook that
// has not changed skip the Markdown parser, the YAML parser and what they load (about 150
// modules, and ~0.35 ms a block). An entry is keyed by the runbook's sha256 and the build of
// docrun that parsed it (its version and the parser's own files), lives under
// $XDG_CACHE_HOME/docrun/parsed/, is written whole (temp file, rename) and is checked when read:
// an entry that cannot be read or does not match is ignored and the runbook parsed again.
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { VFile } from 'vfile'
import type { Runbook } from './types.js'

export interface ParseResult {
  runbook: Runbook
  /** Diagnostics (VFileMessage, with place, ruleId and source); fatal ones are errors. */
  file: VFile
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** True when any diagnostic is an error. */
export function hasErrors(file: VFile): boolean {
  return file.messages.some((m) => m.fatal === true)
}

/** Bumped when an entry's shape changes. */
const ENTRY_FORMAT = 1
/** Entries kept; the oldest beyond this are removed when one is written. */
const MAX_ENTRIES = 256

export interface CacheOptions {
  /** false: neither read nor write the cache (`--no-cache`). */
  enabled?: boolean
  /** Default `$XDG_CACHE_HOME/docrun/parsed`. */
  dir?: string
}

/** `$XDG_CACHE_HOME/docrun`, else `~/.cache/docrun`. */
export function docrunCacheHome(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(base, 'docrun')
}

let stamp: string | undefined
/**
 * What identifies the code that produced a cached result: docrun's package.json and every
 * module of the parser, the lint rules and the shell parser (name, size, mtime), and the
 * installed dependencies. A rebuilt docrun (a new version, or the same version edited)
 * never reads an entry an older build wrote.
 */
export function buildStamp(): string {
  if (stamp) return stamp
  const src = dirname(dirname(fileURLToPath(import.meta.url)))
  const root = dirname(dirname(src))
  const parts: string[] = []
  const add = (path: string) => {
    try {
      const s = statSync(path)
      parts.push(`${path}:${s.size}:${s.mtimeMs}`)
    } catch {
      parts.push(`${path}:-`)
    }
  }
  add(join(root, 'package.json'))
  add(join(root, 'node_modules', '.package-lock.json'))
  for (const dir of ['runbook', 'plan', 'lint', 'lint/rules', 'syntax', 'common']) {
    let names: string[] = []
    try {
      names = readdirSync(join(src, dir)).filter((n) => n.endsWith('.js'))
    } catch {
      // A folder that is not there (another layout) counts as empty.
    }
    for (const n of names.sort()) add(join(src, dir, n))
  }
  return (stamp = sha256(parts.join('\n')))
}

/** The cached JSON value stored under (kind, key), or undefined when there is none that can be read. */
export function readCached<T>(kind: string, key: string, opts: CacheOptions = {}): T | undefined {
  if (opts.enabled === false) return undefined
  const id = sha256(`${ENTRY_FORMAT}\n${buildStamp()}\n${kind}\n${key}`)
  try {
    const entry = JSON.parse(readFileSync(join(opts.dir ?? join(docrunCacheHome(), 'parsed'), `${kind}-${id}.json`), 'utf8')) as { id?: string; value?: T }
    return entry.id === id && entry.value !== undefined ? entry.value : undefined
  } catch {
    return undefined
  }
}

/** Store a JSON value under (kind, key), atomically; a cache that cannot be written is no error. */
export function writeCached(kind: string, key: string, value: unknown, opts: CacheOptions = {}): void {
  if (opts.enabled === false) return
  const id = sha256(`${ENTRY_FORMAT}\n${buildStamp()}\n${kind}\n${key}`)
  const dir = opts.dir ?? join(docrunCacheHome(), 'parsed')
  const file = join(dir, `${kind}-${id}.json`)
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    writeFileSync(tmp, JSON.stringify({ id, value }), { mode: 0o600 })
    renameSync(tmp, file)
    prune(dir)
  } catch {
    rmSync(tmp, { force: true })
  }
}

function prune(dir: string): void {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'))
  if (names.length <= MAX_ENTRIES) return
  const aged = names.map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t)
  for (const { n } of aged.slice(0, names.length - MAX_ENTRIES)) rmSync(join(dir, n), { force: true })
}

/** A diagnostic as stored: everything `report()` (diagnostics.ts) gives a message. */
type StoredMessage = [reason: string, line: number, column: number, ruleId: string, fatal: boolean]

/** Parse a runbook's text, or take its parse from the cache (the same result: test/unit/parse-cache.test.ts). */
export async function parseRunbookCached(text: string, path: string, opts: CacheOptions = {}): Promise<ParseResult> {
  const key = sha256(text)
  const hit = readCached<{ runbook: Runbook; messages: StoredMessage[] }>('runbook', key, opts)
  if (hit && Array.isArray(hit.messages) && hit.runbook?.sha256 === key) {
    const { VFile } = await import('vfile')
    const file = new VFile({ path, value: text })
    const { report } = await import('./diagnostics.js')
    for (const [reason, line, column, ruleId, fatal] of hit.messages) report(file, reason, { line, column }, ruleId, fatal)
    return { runbook: { ...hit.runbook, path }, file }
  }
  const parsed = (await import('./parse.js')).parseRunbook(text, path)
  const messages: StoredMessage[] = parsed.file.messages.map((m) => [m.reason, m.line ?? 1, m.column ?? 1, m.ruleId ?? '', m.fatal === true])
  writeCached('runbook', key, { runbook: parsed.runbook, messages }, opts)
  return parsed
}

/** Read a runbook file and parse it (through the cache). */
export async function loadRunbook(path: string, opts: CacheOptions = {}): Promise<ParseResult> {
  return parseRunbookCached(readFileSync(path, 'utf8'), path, opts)
}
