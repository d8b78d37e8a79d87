// Shell functions a block defines are there for the next block in a POSIX sh session (busybox ash
// in a guest, dash on the host with `shell: sh`), as they are in bash: its state dump cannot list
// them (sh has no `declare -f`), so the session replays the definitions the block wrote at its top
// level (sh-protocol.ts). Into the next block, into a {tty} block, and across --resume.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, latestRun, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'
import { guestRunbook, savedState, useGuest } from './helpers/guest.js'

const out = (ws: string, id: string) => readFileSync(join(latestRun(ws), 'output', `${id}.log`), 'utf8')

/** Blocks that define functions (one-line, multi-line, one beside other commands) and later ones that call them. */
const DEFINE = ['greet() { echo "hello $1"; }', 'pair() {', '  greet "$1"', '  greet "$2"', '}', 'X=1; shout() { echo "$1!"; }; shout defined'].join('\n')
const USE = 'greet there; pair a b; shout loud; echo "X=$X"'
const USED = 'hello there\nhello a\nhello b\nloud!\nX=1\n'

describe('shell functions in a POSIX sh session', () => {
  it('on the host (dash, `shell: sh`): into the next block, a {tty} block, and after --resume', async () => {
    await requireTool('script', 'bsdutils')
    const ws = workspace()
    const runbook = (last: string) =>
      [
        '---',
        'shell: sh',
        '---',
        '# T',
        '',
        '```sh {name=define}',
        DEFINE,
        '```',
        '',
        '```sh {name=use}',
        USE,
        '```',
        '',
        '```sh {name=term tty}',
        'greet pty; pair c d',
        '```',
        '',
        '```sh {name=last}',
        last,
        '```',
        '',
      ].join('\n')
    writeFileSync(join(ws, 'rb.md'), runbook('greet last; exit 3'))
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    expect(out(ws, 'define')).toBe('defined!\n')
    expect(out(ws, 'use')).toBe(USED)
    expect(out(ws, 'term')).toBe('hello pty\nhello c\nhello d\n')
    expect(out(ws, 'last')).toBe('hello last\n')
    // A new shell, started from the snapshot the blocks before `last` left.
    writeFileSync(join(ws, 'rb.md'), runbook('greet again; pair e f; shout resumed'))
    const again = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(out(ws, 'last')).toBe('hello again\nhello e\nhello f\nresumed!\n')
  })

  describe('in a busybox guest', () => {
    const guest = useGuest()
    it('into the next block, with no fork added between the blocks; after --resume (a new boot)', async () => {
      const ws = workspace()
      const pid = 'read -r _ _ _ _ last < /proc/loadavg; echo "$last"'
      // A block too large for printf lines travels as base64 (its size checked); its definitions still come as checked printf lines.
      const large = `# ${'x'.repeat(8000)}\nlarge() { echo "large too"; }`
      const body = (last: string) =>
        `## 2. Functions\n\n\`\`\`sh {target=vm name=large}\n${large}\n\`\`\`\n\n` +
        `\`\`\`sh {target=vm name=define}\n${DEFINE}\n${pid}\n\`\`\`\n\n\`\`\`sh {target=vm name=use}\n${pid}\n${USE}\n\`\`\`\n\n` +
        `\`\`\`sh {target=vm name=last}\n${last}\n\`\`\`\n`
      const rb = guestRunbook(ws, guest(), body('greet last; large; exit 3'))
      const r = await docrun(['run', rb], { cwd: ws })
      expect(r.exitCode, r.all).toBe(1)
      const [shouted, before] = out(ws, 'define').trim().split('\n')
      expect(shouted).toBe('defined!')
      const [after, ...used] = out(ws, 'use').split('\n')
      expect(used.join('\n')).toBe(USED)
      // Between the two blocks the guest forks once, as between any two (guest.test.ts's pids-a/pids-b).
      expect(Number(after) - Number(before)).toBeLessThanOrEqual(3)
      expect(out(ws, 'last')).toBe('hello last\nlarge too\n')
      expect(savedState(ws).blocks.last).toMatchObject({ status: 'failed', exitCode: 3 })

      guestRunbook(ws, guest(), body('greet again; shout resumed; large'))
      const again = await docrun(['run', rb, '--resume'], { cwd: ws })
      expect(again.exitCode, again.all).toBe(0)
      expect(out(ws, 'last')).toBe('hello again\nresumed!\nlarge too\n')
    }, 300_000)
  })
})
