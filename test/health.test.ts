// Retries and waits, kernel splats and known failures: real bash on the host, and the real s390x
// guest (Debian's kernel in qemu-system-s390x) whose kernel log gets a WARNING through /dev/kmsg.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, latestRun, transcript, workspace } from './helpers/cli.js'
import { guestRunbook, useGuest } from './helpers/guest.js'

const guest = useGuest()
const junit = (ws: string) => readFileSync(join(latestRun(ws), 'junit.xml'), 'utf8')
const WARN = 'WARNING: CPU: 0 PID: 1 at drivers/misc/docrun-test.c:42 probe+0x0/0x4'

describe('retries and waits', () => {
  it('{retry=3 delay=...} runs a failing block again until it passes on its third attempt, each attempt said', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'r.md'),
      '# R\n\n```sh {name=flaky retry=3 delay=100ms}\necho x >> tries; n=$(wc -l < tries); echo "attempt $n"; test "$n" -ge 3\n```\n',
    )
    const r = await docrun(['run', 'r.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'tries'), 'utf8')).toBe('x\nx\nx\n')
    const t = transcript(ws)
    expect(t).toMatch(/attempt 1 of 4 failed: exited with status 1 \(output: output\/flaky\.attempt-1\.log\); again in 100ms/)
    expect(t).toMatch(/attempt 2 of 4 failed/)
    expect(t).toContain('ran 3 times')
    expect(readFileSync(join(latestRun(ws), 'output/flaky.attempt-1.log'), 'utf8')).toBe('attempt 1\n')
    expect(junit(ws)).toContain('<property name="attempts" value="3"/>')
    expect(readFileSync(join(latestRun(ws), 'summary.json'), 'utf8')).toContain('"attempts": 3')
  })

  it('{until=DURATION} repeats a block until it passes, and gives up when the time is up', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'u.md'),
      '# U\n\n```sh {name=up until=20s delay=200ms}\necho . >> n; test "$(wc -l < n)" -ge 4\n```\n\n```sh {name=never until=1s delay=300ms}\nfalse\n```\n',
    )
    const r = await docrun(['run', 'u.md'], { cwd: ws })
    expect(r.exitCode).toBe(1)
    expect(readFileSync(join(ws, 'n'), 'utf8')).toBe('.\n.\n.\n.\n')
    const t = transcript(ws)
    expect(t).toMatch(/✅ \*\*passed\*\* · `up`/)
    expect(t).toMatch(/❌ \*\*failed\*\* · `never`[^\n]*\n>\n> exited with status 1 \(attempt \d+ after [\d.]+m?s of 1\.0s: gave up\)/)
  })
})

describe('checks that wait', () => {
  it('a {check until=} runs again until it holds (a service coming up), and gives up with the attempts said', async () => {
    const ws = workspace()
    const up = '```sh {name=start}\n( sleep 1; touch up ) &\n```\n\n```sh {check until=20s delay=200ms}\ntest -f up\n```\n'
    const never = '```sh {name=other}\n:\n```\n\n```sh {check until=1s delay=300ms}\ntest -f never\n```\n'
    writeFileSync(join(ws, 'c.md'), `# C\n\n${up}\n${never}`)
    const r = await docrun(['run', 'c.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const t = transcript(ws)
    expect(t).toMatch(/☑️ check `start:check` holds/)
    expect(t).toMatch(/postcondition other:check failed: exited with status 1 \(\d+ attempts in [\d.]+m?s: gave up\)/)
  })
})

describe('known failures', () => {
  const capture = join(FIXTURES, 'reports/test_progs-s390x-7.2.txt')
  const runbook = (front: string) => `---\n${front}---\n# K\n\n\`\`\`sh {name=progs}\ncat ${capture}; exit 1\n\`\`\`\n`

  it('a DENYLIST entry turns the failing test_progs test into known, and a block whose failures are all known passes', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'DENYLIST.s390x'), '# s390x\nstacktrace_build_id                    # build id of the wrong file\n')
    writeFileSync(join(ws, 'k.md'), runbook('params:\n  arch: s390x\nknown-failures:\n  lists: [DENYLIST.$arch]\n'))
    const r = await docrun(['run', 'k.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    const t = transcript(ws)
    expect(t).toContain('all 1 failing test(s) are known failures (DENYLIST.s390x)')
    expect(t).toContain('Known failures (not counted as failed): `stacktrace_build_id` (DENYLIST.s390x)')
    expect(t).toMatch(/\| 9 run \| 5 \| 0 \| 3 \|/)
    expect(junit(ws)).toContain('<property name="known-failures" value="stacktrace_build_id (DENYLIST.s390x)"/>')
  })

  it('without the list the same block fails, its test named', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'k.md'), runbook('known-failures:\n  tests: [some_other_test]\n'))
    const r = await docrun(['run', 'k.md'], { cwd: ws })
    expect(r.exitCode).toBe(1)
    expect(transcript(ws)).toContain('Failing: `stacktrace_build_id`')
  })
})

describe('kernel health in the real guest', () => {
  const kmsg = `## 2. Warn\n\n\`\`\`sh {target=vm name=warn}\necho '<4>${WARN}' > /dev/kmsg\nsleep 1\necho done\n\`\`\`\n\n\`\`\`sh {target=vm name=after}\necho after\n\`\`\`\n`

  it('a WARNING in the kernel log fails the block that was running, the splat quoted; the guest lives on', async () => {
    const ws = workspace()
    const rb = guestRunbook(ws, guest(), kmsg)
    const r = await docrun(['run', rb], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const t = transcript(ws)
    expect(t).toContain(`guest vm's kernel reported warning: ${WARN}`)
    expect(t).toMatch(/💥 kernel warning on guest vm:\n\n```text\nWARNING: CPU: 0 PID: 1 at drivers\/misc\/docrun-test\.c:42/)
    expect(junit(ws)).toContain(`<property name="kernel-warning" value="${WARN}"/>`)
    const summary = JSON.parse(readFileSync(join(latestRun(ws), 'summary.json'), 'utf8')) as {
      blocks: { id: string; splats?: { kind: string; title: string }[] }[]
    }
    expect(summary.blocks.find((b) => b.id === 'warn')?.splats).toMatchObject([{ kind: 'warning', title: WARN }])
    expect(t).toMatch(/◻️ not run · `after`/)
  }, 240_000)

  it('allow-splats lets it pass with a note; {wait=} waits for a line on the console', async () => {
    const ws = workspace()
    const allow = `allow-splats:\n  - pattern: 'docrun-test\\.c:42'\n    reason: the test writes it on purpose\n`
    const wait = `\n\`\`\`sh {target=vm name=ready wait='^ready-now$' timeout=1m}\n( sleep 3; echo ready-now > /dev/console ) &\n\`\`\`\n`
    const rb = guestRunbook(ws, guest(), kmsg + wait, 'guest.md', allow)
    const r = await docrun(['run', rb], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    const t = transcript(ws)
    expect(t).toContain(`guest vm's kernel reported \`${WARN}\` (allowed: the test writes it on purpose)`)
    expect(t).toContain('⚠️ allowed kernel warning on guest vm (the test writes it on purpose)')
    expect(t).toContain('(the console of vm printed: ready-now)')
  }, 240_000)
})
