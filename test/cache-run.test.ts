// `{cache=PATHS}` in runs (real, as root): a block that makes a tree is stored after it passed
// in workspace A and restored instead of run in a fresh workspace B sharing the cache dir; a
// changed block misses; a corrupt entry is said, the block runs and the entry is rebuilt; a
// restored chroot directory gets its mounts again from the (uncached) block that makes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execa } from 'execa'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { entryDir, readMeta } from '../src/cache/store.js'
import { docrun, transcript, workspace } from './helpers/cli.js'
import { describeTree } from './helpers/tree.js'

const MAKE_TREE = `echo ran >> counter
mkdir -p out/sub
echo hello > out/regular
ln -s regular out/link
mknod out/null c 1 3
echo secret > out/sub/owned
chown 1234:5678 out/sub/owned
chmod 640 out/sub/owned
setfattr -n user.docrun -v kept out/sub/owned`

const runbook = (make = MAKE_TREE) => `# Build

\`\`\`bash {name=make cache=out}
${make}
\`\`\`

\`\`\`bash {name=use}
cat out/regular >> used
\`\`\`
`

/** A fresh workspace with the runbook, run with the shared cache dir. */
async function runIn(cacheDir: string, text = runbook()): Promise<{ ws: string; r: Awaited<ReturnType<typeof docrun>> }> {
  const ws = workspace('docrun-cache-run-')
  writeFileSync(join(ws, 'rb.md'), text)
  const r = await docrun(['run', 'rb.md', '--cache-dir', cacheDir], { cwd: ws })
  return { ws, r }
}

const keyOf = async (ws: string, cacheDir: string) => {
  const r = await docrun(['cache', 'key', 'rb.md', '--cache-dir', cacheDir], { cwd: ws })
  return r.stdout.trim().split(' ')[1]!
}

describe('the block cache in runs (as root)', () => {
  let cacheDir: string
  let a: string
  beforeAll(async () => {
    cacheDir = join(workspace('docrun-cache-dir-'), 'blocks')
    const first = await runIn(cacheDir)
    expect(first.r.exitCode, first.r.all).toBe(0)
    a = first.ws
  })

  it('stores after the block passed, and a fresh workspace restores it instead of running it', async () => {
    expect(readFileSync(join(a, 'counter'), 'utf8')).toBe('ran\n')
    const key = await keyOf(a, cacheDir)
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(transcript(a)).toContain(`stored in the block cache as ${key.slice(0, 16)}`)
    expect((await readMeta(cacheDir, key))?.paths).toEqual(['out'])

    const { ws: b, r } = await runIn(cacheDir)
    expect(r.exitCode, r.all).toBe(0)
    expect(existsSync(join(b, 'counter'))).toBe(false)
    const made = '\\(made \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d on '
    expect(transcript(b)).toMatch(new RegExp(`✅ \\*\\*passed\\*\\* · \`make\`[^\\n]*\\n>\\n> restored from cache ${key.slice(0, 16)} ${made}`))
    expect(await describeTree(join(b, 'out'))).toEqual(await describeTree(join(a, 'out')))
    expect(String((await describeTree(join(b, 'out'))).xattrs)).toContain('user.docrun="kept"')
    // The block after it ran as usual, on the restored files.
    expect(readFileSync(join(b, 'used'), 'utf8')).toBe('hello\n')
    // --resume after a restore: the restored block counts as done.
    const again = await docrun(['run', 'rb.md', '--resume', '--cache-dir', cacheDir], { cwd: b })
    expect(again.exitCode).toBe(0)
    expect(existsSync(join(b, 'counter'))).toBe(false)
  })

  it('a changed block text is a miss: the block runs (and is stored under its new key)', async () => {
    const { ws, r } = await runIn(cacheDir, runbook(`${MAKE_TREE}\necho more > out/more`))
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'counter'), 'utf8')).toBe('ran\n')
    expect(transcript(ws)).toContain('not in the block cache (key ')
    expect(transcript(ws)).not.toContain('restored from cache')
    expect(transcript(ws)).toContain('stored in the block cache as')
  })

  it('a path with a mount below it: restored beneath the mount, over what is there; nothing reaches into the mount', async () => {
    const ws = workspace('docrun-cache-run-')
    writeFileSync(join(ws, 'rb.md'), runbook())
    mkdirSync(join(ws, 'out/mnt'), { recursive: true })
    writeFileSync(join(ws, 'out/stale'), 'left\n')
    await execa('mount', ['-t', 'tmpfs', 'none', join(ws, 'out/mnt')])
    try {
      writeFileSync(join(ws, 'out/mnt/precious'), 'x')
      const r = await docrun(['run', 'rb.md', '--cache-dir', cacheDir], { cwd: ws })
      expect(r.exitCode, r.all).toBe(0)
      expect(existsSync(join(ws, 'counter'))).toBe(false)
      expect(transcript(ws), transcript(ws)).toMatch(/restored from cache [0-9a-f]{16} \(made [^)]*, unpacked over what was there beneath its mounts\)/)
      expect(readFileSync(join(ws, 'out/regular'), 'utf8')).toBe('hello\n')
      // Nothing is deleted in place, and the mount is untouched.
      expect(readFileSync(join(ws, 'out/stale'), 'utf8')).toBe('left\n')
      expect(readdirSync(join(ws, 'out/mnt'))).toEqual(['precious'])
    } finally {
      await execa('umount', [join(ws, 'out/mnt')], { reject: false })
    }
  })

  it('what is stored beneath mounts: the files under a mount point on disk, never the mounted ones', async () => {
    const make = `${MAKE_TREE}\nmkdir -p out/mnt && echo on-disk > out/mnt/underneath`
    const a = workspace('docrun-cache-run-')
    writeFileSync(
      join(a, 'rb.md'),
      runbook(make).replace(
        '{name=use}',
        '{name=mount-it keep}\nmount -t tmpfs none out/mnt && echo mounted > out/mnt/volatile\n```\n\n```bash {name=fill cache=out}\necho filled > out/filled\n```\n\n```bash {name=use}',
      ),
    )
    try {
      const r = await docrun(['run', 'rb.md', '--cache-dir', cacheDir], { cwd: a })
      expect(r.exitCode, r.all).toBe(0)
      expect(transcript(a)).toMatch(/`fill`[\s\S]*stored in the block cache as/)
      const keys = (await docrun(['cache', 'key', 'rb.md', '--cache-dir', cacheDir], { cwd: a })).stdout.trim().split('\n')
      const fill = keys.find((l) => l.startsWith('fill '))!.split(' ')[1]!
      const meta = (await readMeta(cacheDir, fill))!
      const unpack = meta.compression === 'zstd' ? '--zstd' : '--gzip'
      const names = (await execa('tar', ['-t', unpack, '-f', join(entryDir(cacheDir, fill), meta.archive)])).stdout.split('\n')
      expect(names).toContain('out/mnt/underneath')
      expect(names).toContain('out/filled')
      expect(names).not.toContain('out/mnt/volatile')
    } finally {
      await docrun(['clean', 'rb.md'], { cwd: a })
    }
  })

  it('cache-after: stored once the later block has run and passed, with what it added; its text is in the key', async () => {
    const text = (finish = 'echo second > out/b') => `# Build

\`\`\`bash {name=make cache=out cache-after=finish}
echo ran >> counter
mkdir -p out && echo first > out/a
\`\`\`

\`\`\`bash {name=between}
test -e out/b && echo restored-with-b > seen || true
\`\`\`

\`\`\`bash {name=finish}
${finish}
\`\`\`
`
    const own = join(workspace('docrun-cache-dir-'), 'blocks')
    const stopped = workspace('docrun-cache-run-')
    writeFileSync(join(stopped, 'rb.md'), text())
    expect((await docrun(['run', 'rb.md', '--to', 'between', '--cache-dir', own], { cwd: stopped })).exitCode).toBe(0)
    expect(existsSync(own) ? readdirSync(own).filter((d) => d !== '.tmp') : []).toEqual([])

    const { ws: a, r } = await runIn(own, text())
    expect(r.exitCode, r.all).toBe(0)
    expect(transcript(a)).toContain('its paths go into the block cache once block finish has run and passed (cache-after)')
    expect(transcript(a)).toMatch(/`finish`[\s\S]*block make's paths \(out\) stored in the block cache as [0-9a-f]{16}/)
    expect(existsSync(join(a, 'seen'))).toBe(false)

    const b = await runIn(own, text())
    expect(b.r.exitCode, b.r.all).toBe(0)
    expect(existsSync(join(b.ws, 'counter'))).toBe(false)
    expect(readFileSync(join(b.ws, 'seen'), 'utf8')).toBe('restored-with-b\n')

    const c = await runIn(own, text('echo other > out/b'))
    expect(c.r.exitCode, c.r.all).toBe(0)
    expect(readFileSync(join(c.ws, 'counter'), 'utf8')).toBe('ran\n')
  })

  it('cache-after naming no later block: an error at the block, before anything runs', async () => {
    const ws = workspace('docrun-cache-run-')
    writeFileSync(
      join(ws, 'rb.md'),
      '# B\n\n```bash {name=one}\ntrue\n```\n\n```bash {name=two cache=out cache-after=one}\nmkdir out\n```\n\n```bash {name=three cache=x cache-after=nope}\nmkdir x\n```\n',
    )
    const r = await docrun(['lint', 'rb.md'], { cwd: ws })
    expect(r.exitCode).not.toBe(0)
    expect(r.all).toMatch(/^7:1 +error `cache-after=one`: that block comes before this one; name a later block/m)
    expect(r.all).toMatch(/^11:1 +error `cache-after=nope`: no block has that name/m)
  })

  it('--no-cache neither restores nor stores', async () => {
    const ws = workspace('docrun-cache-run-')
    writeFileSync(join(ws, 'rb.md'), runbook())
    const r = await docrun(['run', 'rb.md', '--no-cache', '--cache-dir', cacheDir], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'counter'), 'utf8')).toBe('ran\n')
    expect(transcript(ws)).not.toMatch(/block cache|restored from cache/)
  })

  it('a corrupt entry: a warning, the block runs, the entry is made again', async () => {
    const key = await keyOf(a, cacheDir)
    const meta = (await readMeta(cacheDir, key))!
    const archive = join(entryDir(cacheDir, key), meta.archive)
    const fd = openSync(archive, 'r+')
    const byte = Buffer.alloc(1)
    readSync(fd, byte, 0, 1, Math.floor(meta.size / 2))
    writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, Math.floor(meta.size / 2))
    closeSync(fd)
    const { ws, r } = await runIn(cacheDir)
    expect(r.exitCode, r.all).toBe(0)
    expect(r.all).toMatch(/not in the block cache \(key [0-9a-f]{16}\): .*corrupt/)
    expect(readFileSync(join(ws, 'counter'), 'utf8')).toBe('ran\n')
    expect(transcript(ws)).toContain(`stored in the block cache as ${key.slice(0, 16)}`)
    const rebuilt = (await readMeta(cacheDir, key))!
    expect(rebuilt.sha256).toMatch(/^[0-9a-f]{64}$/)
    // And the rebuilt entry restores.
    const next = await runIn(cacheDir)
    expect(existsSync(join(next.ws, 'counter'))).toBe(false)
    expect(transcript(next.ws)).toContain('restored from cache')
  })
})

const CHROOT_RUNBOOK = `# Chroot

\`\`\`bash {name=make-root cache=root}
echo ran >> counter
mkdir -p root/proc root/etc
echo tc > root/etc/hostname
\`\`\`

\`\`\`bash {name=chroot-mounts keep}
mount -t proc proc root/proc
\`\`\`

\`\`\`bash {name=in-root}
test -e root/proc/self/stat && cat root/etc/hostname >> used
\`\`\`
`

/** A root a chroot shell runs in: bash, coreutils and grep with their libraries, and /dev/null. */
const MAKE_ROOT = `progs="/bin/bash /bin/grep $(dpkg -L coreutils | grep '/bin/')"
for f in $progs $(ldd $progs 2>/dev/null | grep -o '/[^ ]*\\.so[^ ]*' | sort -u); do mkdir -p root$(dirname $f); cp -L $f root$f; done
ln -s bash root/bin/sh
mkdir -p root/dev root/tmp && mknod root/dev/null c 1 3 && chmod 666 root/dev/null`

// A chroot shell already open in the root when a later block's restore replaces it.
const SHELL_IN_ROOT = `---
chroots:
  tc: root
---
# Chroot

\`\`\`bash {name=base}
${MAKE_ROOT}
\`\`\`

\`\`\`bash {name=first-in-root target=tc}
echo first > /first
\`\`\`

\`\`\`bash {name=finish-root cache=root}
echo ran >> counter
echo made > root/marker
\`\`\`

\`\`\`bash {name=later-in-root target=tc}
cat /marker > /seen
\`\`\`
`

const SELF_MOUNTING = `# Chroot

\`\`\`bash {name=make-root cache=root keep}
mkdir -p root/proc
mount -t proc proc root/proc
\`\`\`
`

describe('a cached chroot directory and its keep-mounts (as root)', () => {
  const workspaces: string[] = []
  let cacheDir: string
  beforeAll(() => {
    cacheDir = join(workspace('docrun-cache-dir-'), 'blocks')
  })
  afterAll(async () => {
    for (const ws of workspaces) await docrun(['clean', 'rb.md'], { cwd: ws })
  })
  const runHere = async (text: string) => {
    const ws = workspace('docrun-cache-chroot-')
    workspaces.push(ws)
    writeFileSync(join(ws, 'rb.md'), text)
    return { ws, r: await docrun(['run', 'rb.md', '--cache-dir', cacheDir], { cwd: ws }) }
  }

  it('a restored root gets its mounts made again by the block that makes them', async () => {
    const first = await runHere(CHROOT_RUNBOOK)
    expect(first.r.exitCode, first.r.all).toBe(0)
    expect(transcript(first.ws)).toContain('stored in the block cache')
    const second = await runHere(CHROOT_RUNBOOK)
    expect(second.r.exitCode, second.r.all).toBe(0)
    expect(existsSync(join(second.ws, 'counter'))).toBe(false)
    expect(transcript(second.ws)).toContain('restored from cache')
    expect(readFileSync(join(second.ws, 'used'), 'utf8')).toBe('tc\n')
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toContain(join(second.ws, 'root/proc'))
  })

  it('a chroot shell open in a root that is restored is started again in the restored root', async () => {
    const first = await runHere(SHELL_IN_ROOT)
    expect(first.r.exitCode, first.r.all).toBe(0)
    expect(readFileSync(join(first.ws, 'root/seen'), 'utf8')).toBe('made\n')
    const second = await runHere(SHELL_IN_ROOT)
    expect(second.r.exitCode, second.r.all).toBe(0)
    expect(existsSync(join(second.ws, 'counter'))).toBe(false)
    expect(transcript(second.ws)).toContain('restored from cache')
    expect(readFileSync(join(second.ws, 'root/seen'), 'utf8')).toBe('made\n')
  })

  it('a block that makes kept mounts under its own cache path: not stored (a warning), the block stays passed', async () => {
    const { ws, r } = await runHere(SELF_MOUNTING)
    expect(r.exitCode, r.all).toBe(0)
    expect(r.all).toMatch(/not stored in the block cache: mounts were made below its cache paths \(.*root\/proc\) and a restore would not make them/)
    expect(transcript(ws)).toMatch(/✅ \*\*passed\*\* · `make-root`/)
  })
})
