// After each test file: its temp workspaces go — never through a mount (a chroot's /dev bound
// from the host's would take the host's files with it): a workspace with anything mounted at or
// below it is left, and said so, for `docrun clean` or a person.
import { rmSync } from 'node:fs'
import { afterAll } from 'vitest'
import { readMounts } from '../../src/sys/mountinfo.js'
import { madeWorkspaces } from './cli.js'

afterAll(async () => {
  const mounts = (await readMounts()).map((m) => m.mountPoint)
  for (const dir of madeWorkspaces.splice(0)) {
    const below = mounts.filter((p) => p === dir || p.startsWith(`${dir}/`))
    if (below.length) console.warn(`test workspace ${dir} kept: mounted below it: ${below.join(', ')}`)
    else rmSync(dir, { recursive: true, force: true })
  }
})
