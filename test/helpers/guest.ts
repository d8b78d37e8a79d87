// The s390x guest for the tests: the quickstart runbook's own sections 1–3 fetch Debian's
// s390x kernel and busybox (cached under the docrun cache dir) and build the initramfs, so
// the tests boot exactly what `npm start` boots.
import { execa } from 'execa'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { afterEach, beforeAll, expect } from 'vitest'
import { join } from 'node:path'
import { CACHE, requireTool } from './chroot.js'
import { docrun, ROOT } from './cli.js'
import { loadStateSync } from '../../src/state/state.js'
import type { Paths } from '../../src/state/paths.js'

export interface GuestKit {
  kernel: string
  initrd: string
}

let kit: Promise<GuestKit> | undefined

export function guestKit(): Promise<GuestKit> {
  kit ??= buildKit()
  return kit
}

async function buildKit(): Promise<GuestKit> {
  await requireTool('qemu-system-s390x', 'qemu-system-misc (Debian 12) or qemu-system-s390x (Debian 13)')
  await requireTool('cpio', 'cpio')
  const ws = join(CACHE, 'test', 'quickstart-kit')
  mkdirSync(ws, { recursive: true })
  const r = await docrun(['run', join(ROOT, 'runbooks/quickstart.md'), '--to', '3', '--resume', '--set', `cache=${join(CACHE, 's390x-kit')}`], { cwd: ws })
  if (r.exitCode !== 0) throw new Error(`building the guest kit with the quickstart runbook failed:\n${r.all}`)
  const debs = join(CACHE, 's390x-kit', 'debs')
  const kdir = readdirSync(debs)
    .filter((d) => /^linux-image-.*_s390x$/.test(d) && existsSync(join(debs, d, 'boot')))
    .sort()
    .pop()
  if (!kdir) throw new Error(`no extracted s390x kernel under ${debs}`)
  const vmlinuz = readdirSync(join(debs, kdir, 'boot')).find((f) => f.startsWith('vmlinuz-'))
  const initrd = join(ws, 'initramfs', 'initrd.gz')
  if (!vmlinuz || !existsSync(initrd)) throw new Error('the quickstart did not leave a kernel and an initramfs')
  return { kernel: join(debs, kdir, 'boot', vmlinuz), initrd }
}

/**
 * Every QEMU this test process starts carries this name, so the checks below see only their
 * own: the kit is shared, and another run's guest (a second test run, a user's quickstart)
 * must never be taken for a stray and killed.
 */
export const QEMU_MARK = `docrun-test-${process.pid}`

/** A runbook whose first section boots the test guest; `body` follows it. */
export function guestRunbook(dir: string, k: GuestKit, body: string, name = 'guest.md', extraParams = ''): string {
  const path = join(dir, name)
  writeFileSync(
    path,
    `---
params:
  kernel: ${JSON.stringify(k.kernel)}
  initrd: ${JSON.stringify(k.initrd)}
${extraParams}---
# Guest test

## 1. Boot

\`\`\`sh {name=boot guest=vm timeout=2m}
qemu-system-s390x -name ${QEMU_MARK} -cpu max,zpci=on -smp 2 -m 512 -nographic -no-reboot \\
  -kernel "$kernel" -initrd "$initrd" -append "console=ttyS1 panic=-1"
\`\`\`

${body}
`,
  )
  return path
}

/** QEMU processes whose command line mentions `needle` (default: this test process's mark). */
export async function qemuProcesses(needle: string = QEMU_MARK): Promise<number[]> {
  const r = await execa('pgrep', ['-f', `qemu-system-s390x.*${needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`], { reject: false })
  return r.stdout.split('\n').filter(Boolean).map(Number)
}

/**
 * For a test file that boots the guest: the kit before the tests, and after each test the
 * check that no QEMU of ours outlived it (strays are ended so later tests stay clean).
 */
export function useGuest(): () => GuestKit {
  let kit: GuestKit | undefined
  beforeAll(async () => {
    kit = await guestKit()
  }, 600_000)
  afterEach(async () => {
    if (!kit) return
    const left = await qemuProcesses()
    for (const pid of left) process.kill(pid, 'SIGKILL')
    expect(left).toEqual([])
  })
  return () => kit!
}

export interface SavedState {
  blocks: Record<string, { status: string; exitCode: number | null; message?: string }>
  resources: { kind: string }[]
  pending?: unknown
}

/** The workspace's state, as docrun saved it (its file and journal). */
export function savedState(ws: string): SavedState {
  // As docrun reads it: the whole file with its journal applied (a killed run's last changes are in the journal).
  const dir = join(ws, '.docrun/state')
  const state = join(
    dir,
    readdirSync(dir).find((n) => n.endsWith('.json'))!,
  )
  const paths = { state, journal: state.replace(/\.json$/, '.journal') } as Paths
  return loadStateSync(paths, '', '').state as unknown as SavedState
}
