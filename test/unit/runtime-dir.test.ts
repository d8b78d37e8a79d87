// The host shell's protocol files go to a tmpfs when there is one (src/sys/runtime-dir.ts).
import { mkdtempSync, rmSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { firstWritableTmpfs } from '../../src/sys/runtime-dir.js'
import { HostTarget } from '../../src/targets/host.js'

const TMPFS_MAGIC = 0x01021994
const onTmpfs = (dir: string) => statfsSync(dir).type === TMPFS_MAGIC

describe('runtime dir', () => {
  it('passes over what is not a writable tmpfs: unset, missing, a disk directory', () => {
    const disk = mkdtempSync(join(tmpdir(), 'docrun-rt-'))
    try {
      expect(onTmpfs('/dev/shm'), '/dev/shm is a tmpfs on this machine (the test needs one)').toBe(true)
      expect(onTmpfs(disk), `${disk} is on a disk file system (the test needs one)`).toBe(false)
      expect(firstWritableTmpfs([undefined, '/nonexistent', disk, '/dev/shm'])).toBe('/dev/shm')
      expect(firstWritableTmpfs([disk])).toBeUndefined()
    } finally {
      rmSync(disk, { recursive: true, force: true })
    }
  })

  it("the host target's shell keeps its temp dir in memory and removes it on close", async () => {
    const ws = mkdtempSync(join(tmpdir(), 'docrun-rt-ws-'))
    const host = new HostTarget({ workspace: ws })
    try {
      const { session } = await host.open()
      const dir = host.tempDir!
      expect(onTmpfs(dir)).toBe(true)
      // The state a block leaves comes back through the dump sourced from post.sh.
      expect((await session.run('X=1; f() { echo f; }')).status).toBe(0)
      expect((await session.run('test "$X" = 1 && test "$(f)" = f')).status).toBe(0)
      await host.close()
      expect(() => statfsSync(dir)).toThrow()
    } finally {
      await host.close()
      rmSync(ws, { recursive: true, force: true })
    }
  })
})
