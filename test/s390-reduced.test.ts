// Sections 2–4 of the s390 runbook in their reduced form (runbooks/s390-reduced.md): a real
// ext4 image with a foreign s390x Debian, a first boot with no init, debootstrap's second stage
// in the guest, and 9p sharing — with Debian's packaged kernel, so no hour-long build.
// Slow (the second stage runs under emulation): its own script, `npm run test:s390`.
import { createReadStream, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { docrun, ROOT, transcript, workspace } from './helpers/cli.js'
import { CACHE, loopsFor, mountsUnder, requireTool } from './helpers/chroot.js'
import { qemuProcesses } from './helpers/guest.js'

describe('s390 reduced: image → boot → second stage → 9p', () => {
  it(
    'runs sections 2–4 of the reduced runbook to the end',
    async () => {
      if (process.getuid?.() !== 0) throw new Error('this test needs root (losetup, mount, debootstrap)')
      for (const [tool, pkg] of [
        ['qemu-system-s390x', 'qemu-system-misc'],
        ['qemu-img', 'qemu-utils'],
        ['debootstrap', 'debootstrap'],
        ['cpio', 'cpio'],
      ] as const)
        await requireTool(tool, pkg)
      const ws = workspace()
      const r = await docrun(['run', join(ROOT, 'runbooks/s390-reduced.md'), '--set', `cache=${join(CACHE, 's390x-kit')}`], { cwd: ws })
      expect(r.exitCode, r.all.slice(-4000)).toBe(0)
      const t = transcript(ws)
      expect(t).toMatch(/✅ \*\*passed\*\* · `second-stage` · vm/)
      expect(t).toContain('> ☑️ check `second-stage:check` holds')
      expect(t).toContain('> ☑️ expected output `read-share:expect` holds')
      expect(readFileSync(join(ws, '.docrun/runs/latest/output/read-share.log'), 'utf8')).toBe('shared from the host\n')
      expect(t).toMatch(/✅ \*\*passed\*\* · `fresh-boot` · host/)
      // The daily loop: again from the boot. The second stage is not repeated (its done-if holds in
      // the guest), the boot runs on a new overlay, so what the first run's test wrote is gone and
      // the golden base is byte for byte what it was.
      const base = await sha256(join(ws, 's390.img'))
      const again = await docrun(['run', join(ROOT, 'runbooks/s390-reduced.md'), '--set', `cache=${join(CACHE, 's390x-kit')}`, '--from', 'boot'], { cwd: ws })
      expect(again.exitCode, again.all.slice(-4000)).toBe(0)
      const t2 = transcript(ws)
      expect(t2).toContain('already done: `test ! -e /debootstrap` holds on vm; the block did not run again')
      expect(t2).toMatch(/already done: `\[ "\$fresh_root" != yes \] \|\| grep -qx overlay \.\/s390\.root` holds on host/)
      expect(readFileSync(join(ws, '.docrun/runs/latest/output/scratch.log'), 'utf8')).toContain('root file system is fresh')
      expect(await sha256(join(ws, 's390.img'))).toBe(base)
      // Nothing left: no QEMU, no mount, no loop device on the image.
      expect(await qemuProcesses(join(ws, 's390.img'))).toEqual([])
      expect(await mountsUnder(ws)).toEqual([])
      expect(await loopsFor(join(ws, 's390.img'))).toEqual([])
      await execa('rm', ['-rf', '--one-file-system', ws])
    },
    45 * 60_000,
  )
})

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(file), hash)
  return hash.digest('hex')
}
