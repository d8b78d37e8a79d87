// The corpus: every .rst document with a literal block under a kernel tree's Documentation/
// (Debian's linux-source package: /usr/src/linux-source-VERSION.tar.xz, Documentation/ unpacked
// once into ~/.cache/docrun/test/linux-doc-VERSION) is imported and linted. No crash, no pandoc
// failure without a reason in a person's words, every diagnostic at a line, every literal block
// found at its document line. The figures (documents, blocks, inferences, time) are printed for
// the README. Its own tier, `npm run test:corpus` (vitest.corpus.config.ts): about 8 minutes of
// CPU (docrun's and pandoc's), which on this two-core machine is over the ~4 minutes `npm test`
// can give it; .ci/run runs it after npm test.
import { execa } from 'execa'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, homedir } from 'node:os'
import { Worker } from 'node:worker_threads'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { requireTool } from './helpers/chroot.js'

const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'docrun/test')

/** Documentation/ of the newest linux-source tarball, unpacked once (a missing tarball names the package). */
async function documentation(): Promise<{ root: string; version: string }> {
  const tarballs = existsSync('/usr/src') ? readdirSync('/usr/src').filter((f) => /^linux-source-[\d.]+\.tar\.xz$/.test(f)) : []
  const newest = tarballs.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1)
  if (!newest)
    throw new Error(
      'no kernel tree: the corpus test reads /usr/src/linux-source-VERSION.tar.xz — `apt-get install linux-source-6.1` (or the linux-source-* apt offers)',
    )
  const version = /linux-source-([\d.]+)\.tar\.xz/.exec(newest)![1]!
  const dir = join(CACHE, `linux-doc-${version}`)
  if (!existsSync(join(dir, '.complete'))) {
    await requireTool('xz', 'xz-utils')
    const tmp = `${dir}.tmp-${process.pid}`
    mkdirSync(tmp, { recursive: true })
    await execa('tar', ['-xJf', join('/usr/src', newest), '-C', tmp, '--strip-components=1', '--wildcards', `linux-source-${version}/Documentation/*`])
    writeFileSync(join(tmp, '.complete'), `${newest}\n`)
    rmSync(dir, { recursive: true, force: true })
    renameSync(tmp, dir)
  }
  return { root: join(dir, 'Documentation'), version }
}

const LITERAL = /::[ \t]*$|^[ \t]*\.\. (?:code-block|code|sourcecode)::/m

function rstFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.rst'))
    .sort()
    .map((f) => join(dir, f))
}

/**
 * Documents with a literal block the import cannot place in the document yet (imported-lines 0),
 * per kernel tree, as the corpus runs found them (6.1: 2026-12-01; 6.12: 2026-12-02, Debian 12's
 * linux-source after its move to 6.12, and Debian 13's): pandoc writes a literal block nested in
 * an indented paragraph, a definition or a field list as an indented run of text whose fence
 * Markdown reads as code (`networking/ip_dynaddr.rst`: "To enable: {mirrors=1}"); in 6.12
 * `bpf/map_devmap.rst` has `.. code-block:: c` with an empty body before a `.. c:function::`.
 * Known, not excused: a document that comes off its tree's list, or onto it, fails the test, and
 * so does a tree with no list.
 */
const COMMON_UNPLACED = [
  'admin-guide/devices.rst',
  'admin-guide/kdump/kdump.rst',
  'admin-guide/kernel-parameters.rst',
  'admin-guide/media/building.rst',
  'cdrom/cdrom-standard.rst',
  'driver-api/media/dtv-frontend.rst',
  'driver-api/thermal/power_allocator.rst',
  'driver-api/usb/power-management.rst',
  'fb/viafb.rst',
  'filesystems/mount_api.rst',
  'networking/device_drivers/ethernet/ti/cpsw.rst',
  'networking/ip_dynaddr.rst',
  'networking/sfp-phylink.rst',
  'userspace-api/media/v4l/control.rst',
  'virt/kvm/arm/hyp-abi.rst',
]
const UNPLACED: Record<string, string[]> = {
  '6.1': [...COMMON_UNPLACED, 'sparc/oradax/oracle-dax.rst', 'translations/ko_KR/index.rst'],
  // sparc's documents moved under arch/; ko_KR's index lost its nested literal block.
  '6.12': [...COMMON_UNPLACED, 'arch/sparc/oradax/oracle-dax.rst', 'bpf/map_devmap.rst'],
}

/** The known list of a tree (its version's major.minor), or a failure that says what to do. */
function unplacedOf(version: string, found: string[]): string[] {
  const known = UNPLACED[version.split('.').slice(0, 2).join('.')]
  if (!known)
    throw new Error(
      `the corpus test has no list of known unplaced documents for linux-source-${version} ` +
        `(it has ${Object.keys(UNPLACED).join(', ')}): check these and add them to UNPLACED: ${found.join(', ')}`,
    )
  return known
}

/** What test/corpus-worker.mjs answers for a document. */
interface Outcome {
  path: string
  ms?: number
  refused?: string
  crash?: string
  blocks?: number
  shell?: number
  expect?: number
  files?: number
  targets?: number
  params?: number
  diagnostics?: number
  unpositioned?: string[]
  unlocated?: number[]
}

/**
 * Every document through a pool of worker threads, one per core: each document's pandoc runs
 * while the other worker reads its own, and the import's own work (Markdown and shell parsing)
 * gets a core of its own instead of one event loop for all.
 */
async function throughWorkers(docs: string[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  let next = 0
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./corpus-worker.mjs', import.meta.url))
      const send = () => (next < docs.length ? worker.postMessage(docs[next++]) : void worker.terminate().then(() => resolve()))
      worker.on('message', (o: Outcome) => {
        outcomes.push(o)
        send()
      })
      worker.on('error', reject)
      worker.on('online', send)
    })
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), docs.length) }, one))
  return outcomes
}

const sum = (outcomes: Outcome[], key: 'blocks' | 'shell' | 'expect' | 'files' | 'targets' | 'params' | 'diagnostics') =>
  outcomes.reduce((n, o) => n + (o[key] ?? 0), 0)

function figures(outcomes: Outcome[], root: string, seconds: number): string {
  const imported = outcomes.filter((o) => o.blocks !== undefined)
  const slowest = [...imported].sort((a, b) => b.ms! - a.ms!).slice(0, 3)
  return [
    `corpus ${root}: ${outcomes.length} documents with literal blocks, ${imported.length} imported and linted, ` +
      `${outcomes.filter((o) => o.refused).length} refused; ${sum(imported, 'blocks')} blocks (${sum(imported, 'shell')} shell); ` +
      `inferred: ${sum(imported, 'expect')} {expect}, ${sum(imported, 'files')} {file=}, ${sum(imported, 'params')} params, ` +
      `${sum(imported, 'targets')} blocks in a chroot, guest or remote host; ${sum(imported, 'diagnostics')} diagnostics; ` +
      `${seconds.toFixed(0)} s with ${availableParallelism()} workers`,
    `  slowest: ${slowest.map((o) => `${relative(root, o.path)} ${(o.ms! / 1000).toFixed(1)} s`).join(', ')}`,
    ...outcomes.filter((o) => o.refused).map((o) => `  refused: ${relative(root, o.path)}: ${o.refused}`),
  ].join('\n')
}

describe('the corpus: the kernel Documentation/', () => {
  it('every .rst with a literal block imports and lints: no crash, every diagnostic at a line, a refusal says why', { timeout: 60 * 60_000 }, async () => {
    await requireTool('pandoc', 'pandoc')
    const { root, version } = await documentation()
    const docs = rstFiles(root).filter((f) => LITERAL.test(readFileSync(f, 'utf8')))
    expect(docs.length).toBeGreaterThan(1000)
    const started = Date.now()
    const outcomes = await throughWorkers(docs)
    console.log(figures(outcomes, root, (Date.now() - started) / 1000))
    const where = (o: Outcome) => relative(root, o.path)
    // Every finding, whole (an assertion's diff may be cut short).
    for (const o of outcomes) {
      if (o.crash) console.log(`  crash: ${where(o)}: ${o.crash}`)
      for (const m of o.unpositioned ?? []) console.log(`  unpositioned: ${where(o)}: ${m}`)
      if (o.unlocated?.length) console.log(`  unlocated: ${where(o)}: blocks ${o.unlocated.join(', ')}`)
    }
    expect(outcomes.filter((o) => o.crash).map((o) => `${where(o)}: ${o.crash}`)).toEqual([])
    // A document that cannot be imported says why, in words: pandoc's reason, not a stack or an empty message.
    expect(outcomes.filter((o) => o.refused && !/^pandoc could not convert \S+: [A-Z].*\w/.test(o.refused)).map((o) => `${where(o)}: ${o.refused}`)).toEqual([])
    expect(outcomes.flatMap((o) => (o.unpositioned ?? []).map((m) => `${where(o)}: ${m}`))).toEqual([])
    const unplaced = outcomes.flatMap((o) => (o.unlocated?.length ? [where(o)] : [])).sort()
    expect(unplaced).toEqual([...unplacedOf(version, unplaced)].sort())
    expect(outcomes).toHaveLength(docs.length)
  })
})
