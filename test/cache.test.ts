// The block cache: keys from the plan, and a real store/restore (as root) of a tree with every
// kind of file a chroot holds, corruption, mounts, concurrent runs sharing one cache dir, prune.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execa } from 'execa'
import { chmodSync, chownSync, closeSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs'
import { readSync, statSync, symlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { parseRunbook } from '../src/runbook/parse.js'
import { buildPlan } from '../src/plan/plan.js'
import { cacheKeys, chainKeys } from '../src/cache/key.js'
import { entryDir, readMeta } from '../src/cache/store.js'
import { restorePaths, storePaths } from '../src/cache/restore.js'
import { listEntries, parseSize, pruneEntries } from '../src/cache/prune.js'
import { docrun, ROOT, workspace } from './helpers/cli.js'
import { describeTree } from './helpers/tree.js'

const KEY = (n: number) => n.toString(16).padStart(2, '0').repeat(32)

function runbook(o: { h1?: string; c1?: string; h2?: string; suite?: string; jobs?: string } = {}): string {
  return `---
params:
  suite: { default: ${o.suite ?? 'bookworm'} }
  jobs: { default: "${o.jobs ?? '2'}" }
chroots:
  tc: ch
---
# Build

\`\`\`bash {name=h1}
${o.h1 ?? 'mkdir -p ch'}
\`\`\`

\`\`\`bash {name=c1 target=tc cache=ch}
${o.c1 ?? 'echo deb $suite > /etc/x'}
\`\`\`

\`\`\`bash {name=h2 cache="out,logs"}
${o.h2 ?? 'make -j${jobs} > out'}
\`\`\`

# Test

\`\`\`bash {name=c2 target=tc cache=ch2}
echo test
\`\`\`

\`\`\`bash {name=c3 target=tc}
echo later
\`\`\`
`
}

function keysOf(text: string, opts: Parameters<typeof buildPlan>[2] = {}, inputs?: Record<string, string>): Map<string, string> {
  const { runbook: rb, file } = parseRunbook(text)
  return chainKeys(buildPlan(rb, file, opts), inputs ? { inputs } : {})
}

function changed(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...a.keys()].filter((id) => a.get(id) !== b.get(id))
}

describe('cache keys', () => {
  const base = keysOf(runbook())
  it.each([
    ['nothing changed', runbook(), []],
    ['the first host block', runbook({ h1: 'mkdir -p ch2' }), ['h1', 'c1', 'h2', 'c2', 'c3']],
    ['a chroot block', runbook({ c1: 'echo deb $suite main > /etc/x' }), ['c1', 'c2', 'c3']],
    ['a later host block', runbook({ h2: 'make -j${jobs} V=1 > out' }), ['h2', 'c2', 'c3']],
    ['a param the chroot block reads', runbook({ suite: 'trixie' }), ['c1', 'c2', 'c3']],
    ['a param the host block reads', runbook({ jobs: '4' }), ['h2', 'c2', 'c3']],
  ])('%s', (_, text, expected) => {
    expect(changed(base, keysOf(text))).toEqual(expected)
  })

  it('follow --set, inputs= fingerprints, and not the selection', () => {
    expect(changed(base, keysOf(runbook(), { sets: { suite: 'sid' } }))).toEqual(['c1', 'c2', 'c3'])
    expect(changed(base, keysOf(runbook(), {}, { h2: 'tree:abc' }))).toEqual(['h2', 'c2', 'c3'])
    expect(changed(base, keysOf(runbook(), { selection: { from: 'test' } }))).toEqual([])
    expect(changed(base, keysOf(runbook(), { selection: { only: ['c2'] } }))).toEqual([])
  })

  it('are listed for the {cache} blocks, with their paths', () => {
    const { runbook: rb, file } = parseRunbook(runbook())
    const keys = cacheKeys(buildPlan(rb, file))
    expect(keys.map((k) => [k.id, k.paths])).toEqual([
      ['c1', ['ch']],
      ['h2', ['out', 'logs']],
      ['c2', ['ch2']],
    ])
    for (const k of keys) expect(k.key).toMatch(/^[0-9a-f]{64}$/)
  })

  it('refuse cache= paths outside the workspace', () => {
    const { file } = parseRunbook('# A\n\n```bash {cache="../x"}\ntrue\n```\n')
    expect(file.messages.map((m) => m.reason).join('\n')).toContain('paths inside the workspace')
    expect(parseRunbook('# A\n\n```bash {cache=".docrun/state"}\ntrue\n```\n').file.messages[0]?.reason).toContain("docrun's own state")
  })
})

/** A tree with every kind of file a chroot has. */
async function makeTree(dir: string): Promise<void> {
  mkdirSync(join(dir, 'sub/deeper'), { recursive: true })
  writeFileSync(join(dir, 'regular'), 'hello\n')
  writeFileSync(join(dir, 'tool'), '#!/bin/sh\necho tool\n')
  chmodSync(join(dir, 'tool'), 0o755)
  symlinkSync('regular', join(dir, 'link'))
  symlinkSync('/nonexistent/absolute', join(dir, 'sub/dangling'))
  linkSync(join(dir, 'regular'), join(dir, 'sub/hard'))
  await execa('mknod', [join(dir, 'null'), 'c', '1', '3'])
  await execa('mkfifo', [join(dir, 'fifo')])
  writeFileSync(join(dir, 'sub/owned'), 'secret\n')
  chownSync(join(dir, 'sub/owned'), 1234, 5678)
  chmodSync(join(dir, 'sub/owned'), 0o640)
  await execa('setfattr', ['-n', 'user.docrun', '-v', 'kept', join(dir, 'sub/owned')])
  writeFileSync(join(dir, 'sub/deeper/big'), Buffer.alloc(300_000, 7))
}

const RESTORE_SCRIPT = `
const [mod, op, dir, key, ws] = process.argv.slice(1)
const cache = await import(mod)
const r = op === 'store' ? await cache.storePaths(dir, { key, workspace: ws, paths: ['tree'] }) : await cache.restorePaths(dir, key, ws)
console.log(JSON.stringify(r.status ?? (r.stored ? 'stored' : 'kept')))
`
function inChild(op: 'store' | 'restore', dir: string, key: string, ws: string) {
  return execa('node', ['--input-type=module', '-e', RESTORE_SCRIPT, join(ROOT, 'dist/src/cache/index.js'), op, dir, key, ws])
}

describe('cache store (real tar, as root)', () => {
  let dir: string
  let ws1: string
  let tree1: Record<string, unknown>
  beforeAll(async () => {
    dir = join(workspace('docrun-cache-'), 'blocks')
    ws1 = workspace('docrun-cache-ws1-')
    await makeTree(join(ws1, 'tree'))
    tree1 = await describeTree(join(ws1, 'tree'))
  })

  it('restores owners, modes, links, device nodes, FIFOs and xattrs into another workspace', async () => {
    expect(String(tree1.xattrs)).toContain('user.docrun="kept"')
    const stored = await storePaths(dir, { key: KEY(1), workspace: ws1, paths: ['tree'], step: 'build' })
    expect(stored.stored).toBe(true)
    expect(stored.meta).toMatchObject({ key: KEY(1), paths: ['tree'], step: 'build', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    const ws2 = workspace('docrun-cache-ws2-')
    mkdirSync(join(ws2, 'tree/stale'), { recursive: true })
    const r = await restorePaths(dir, KEY(1), ws2)
    expect(r.status).toBe('restored')
    expect(await describeTree(join(ws2, 'tree'))).toEqual(tree1)
    expect(existsSync(join(ws2, 'tree/stale'))).toBe(false)
    const hard = lstatSync(join(ws2, 'tree/sub/hard'))
    expect(hard.ino).toBe(lstatSync(join(ws2, 'tree/regular')).ino)
    expect(readdirSync(ws2).filter((n) => n.startsWith('.docrun-restore-'))).toEqual([])
    // Storing the same key again keeps the entry that is there.
    expect((await storePaths(dir, { key: KEY(1), workspace: ws2, paths: ['tree'] })).stored).toBe(false)
  })

  it('a missing key is a plain miss', async () => {
    expect(await restorePaths(dir, KEY(9), workspace())).toEqual({ status: 'miss' })
  })

  it('detects a corrupt archive by its checksum, says so, removes the entry: a miss', async () => {
    await storePaths(dir, { key: KEY(2), workspace: ws1, paths: ['tree'] })
    const meta = (await readMeta(dir, KEY(2)))!
    const archive = join(entryDir(dir, KEY(2)), meta.archive)
    const fd = openSync(archive, 'r+')
    const byte = Buffer.alloc(1)
    readSync(fd, byte, 0, 1, Math.floor(meta.size / 2))
    writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, Math.floor(meta.size / 2))
    closeSync(fd)
    const ws = workspace()
    writeFileSync(join(ws, 'tree'), 'untouched')
    const r = await restorePaths(dir, KEY(2), ws)
    expect(r.status).toBe('miss')
    expect(r.status === 'miss' && r.reason).toMatch(/corrupt \(archive sha256 .*removed/)
    expect(existsSync(entryDir(dir, KEY(2)))).toBe(false)
    expect(readFileSync(join(ws, 'tree'), 'utf8')).toBe('untouched')
  })

  it('a path with a mount below it: restored and stored beneath the mount, never through it', async () => {
    const ws = workspace()
    mkdirSync(join(ws, 'tree/mnt'), { recursive: true })
    writeFileSync(join(ws, 'tree/mnt/on-disk'), 'under the mount')
    await execa('mount', ['-t', 'tmpfs', 'none', join(ws, 'tree/mnt')])
    try {
      writeFileSync(join(ws, 'tree/mnt/precious'), 'x')
      const r = await restorePaths(dir, KEY(1), ws)
      expect(r).toMatchObject({ status: 'restored', beneathMounts: true })
      expect(await describeTree(join(ws, 'tree/sub'))).toEqual(await describeTree(join(ws1, 'tree/sub')))
      expect(readdirSync(join(ws, 'tree/mnt'))).toEqual(['precious'])
      await storePaths(dir, { key: KEY(3), workspace: ws, paths: ['tree'] })
      const into = workspace()
      expect(await restorePaths(dir, KEY(3), into)).toMatchObject({ status: 'restored', beneathMounts: false })
      // What was on disk below the mount point is in the entry; what was mounted there is not.
      expect(readdirSync(join(into, 'tree/mnt'))).toEqual(['on-disk'])
      await expect(storePaths(dir, { key: KEY(5), workspace: ws, paths: ['tree/mnt'] })).rejects.toThrow(/is a mount point/)
      await storePaths(dir, { key: KEY(6), workspace: into, paths: ['tree/mnt'] })
      expect(await restorePaths(dir, KEY(6), ws)).toMatchObject({ status: 'refused', reason: expect.stringContaining('is a mount point') })
      expect(readdirSync(join(ws, 'tree/mnt'))).toEqual(['precious'])
    } finally {
      await execa('umount', [join(ws, 'tree/mnt')])
    }
  })

  it('two processes storing one key at once, then two restoring at once: both succeed, nothing corrupt', async () => {
    writeFileSync(join(ws1, 'tree/sub/deeper/random'), (await execa('head', ['-c', '30000000', '/dev/urandom'], { encoding: 'buffer' })).stdout)
    const tree = await describeTree(join(ws1, 'tree'))
    const wsB = workspace()
    await execa('cp', ['-a', join(ws1, 'tree'), join(wsB, 'tree')])
    const stores = await Promise.all([inChild('store', dir, KEY(4), ws1), inChild('store', dir, KEY(4), wsB)])
    expect(stores.map((s) => JSON.parse(s.stdout)).sort()).toEqual(['kept', 'stored'])
    expect(readdirSync(join(dir, '.tmp'))).toEqual([])
    const [wsC, wsD] = [workspace(), workspace()]
    const restores = await Promise.all([inChild('restore', dir, KEY(4), wsC), inChild('restore', dir, KEY(4), wsD)])
    expect(restores.map((s) => JSON.parse(s.stdout))).toEqual(['restored', 'restored'])
    expect(await describeTree(join(wsC, 'tree'))).toEqual(tree)
    expect(await describeTree(join(wsD, 'tree'))).toEqual(tree)
  })

  afterAll(async () => {
    await execa('rm', ['-rf', '--one-file-system', dir, ws1])
  })
})

describe('cache prune and the CLI', () => {
  it('prune --max-size removes the least recently used first; --older-than by last use', async () => {
    const dir = join(workspace(), 'blocks')
    const ws = workspace()
    writeFileSync(join(ws, 'f'), Buffer.alloc(10_000, 1))
    const now = Date.now() / 1000
    for (const [n, age] of [
      [5, 3000],
      [6, 1000],
      [7, 2000],
    ] as const) {
      await storePaths(dir, { key: KEY(n), workspace: ws, paths: ['f'] })
      utimesSync(join(entryDir(dir, KEY(n)), 'used'), now - age, now - age)
    }
    const size = async (n: number) => (await readMeta(dir, KEY(n)))!.size
    const ls = await docrun(['cache', 'ls', '--cache-dir', dir], { cwd: ws })
    expect(
      ls.stdout
        .split('\n')
        .filter((l) => /^[0-9a-f]{16} /.test(l))
        .map((l) => l.slice(0, 2)),
    ).toEqual(['06', '07', '05'])
    const pruned = await docrun(['cache', 'prune', '--max-size', String((await size(6)) + (await size(7))), '--cache-dir', dir], { cwd: ws })
    expect(pruned.exitCode).toBe(0)
    expect(pruned.stdout).toContain(`removed ${KEY(5).slice(0, 16)}`)
    expect((await listEntries(dir)).map((e) => e.meta.key)).toEqual([KEY(6), KEY(7)])
    const { removed } = await pruneEntries(dir, { olderThanMs: 1_500_000 })
    expect(removed.map((e) => e.meta.key)).toEqual([KEY(7)])
    expect(parseSize('10G')).toBe(10 * 2 ** 30)
    expect(parseSize('1.5m')).toBe(1.5 * 2 ** 20)
    expect(parseSize('lots')).toBeUndefined()
    expect((await docrun(['cache', 'prune', '--cache-dir', dir], { cwd: ws })).exitCode).toBe(2)
  })

  it('`docrun cache key` prints `block-id key` lines, and JSON; --set changes the key of a block that reads it', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'rb.md'), runbook())
    const r = await docrun(['cache', 'key', 'rb.md'], { cwd: ws })
    expect(r.exitCode).toBe(0)
    const { runbook: rb, file } = parseRunbook(runbook(), join(ws, 'rb.md'))
    const expected = cacheKeys(buildPlan(rb, file))
    expect(r.stdout).toBe(expected.map((k) => `${k.id} ${k.key}\n`).join(''))
    const json = await docrun(['cache', 'key', 'rb.md', '--json', '--set', 'suite=sid'], { cwd: ws })
    const keys = JSON.parse(json.stdout) as { id: string; key: string }[]
    expect(keys.map((k) => k.id)).toEqual(['c1', 'h2', 'c2'])
    expect(keys[0]!.key).not.toBe(expected[0]!.key)
    expect(keys[1]!.key).toBe(expected[1]!.key)
    expect((await docrun(['cache', 'key', 'rb.md', '--set', 'nope=1'], { cwd: ws })).stderr).toContain('declares no param')
    expect(statSync(join(ws, 'rb.md')).isFile()).toBe(true)
  })
})
