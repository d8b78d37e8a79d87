// Transcripts replay as tests (cram's model) and --update-expect rewrites {expect} blocks.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, latestRun, transcript, workspace } from './helpers/cli.js'
import { DEFAULT_RULES, declaredRules, expectLine } from '../src/checks/volatile.js'
import { checkExpected } from '../src/checks/expect-output.js'
import { rewriteExpects } from '../src/runbook/rewrite-expect.js'

const RUNBOOK = `---
params:
  WHO: world
volatile:
  - 'build \\d+'
---
# Replay

## 1. Greet

\`\`\`sh {name=greet}
echo "hello $WHO"
date
d=$(mktemp -d); echo "made $d"; rmdir "$d"
echo "pid $$ took 0.$RANDOM s"
echo "build $RANDOM"
echo '...'
seq 1 300
\`\`\`

## 2. Quiet

\`\`\`sh {name=quiet}
true
\`\`\`
`

describe('transcripts replay as tests', () => {
  it('replays green on the same machine, red with a unified diff when an input changes', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'r.md'), RUNBOOK)
    const first = await docrun(['run', 'r.md', '--normalize'], { cwd: ws })
    expect(first.exitCode, first.all).toBe(0)
    const t = transcript(ws)
    // Volatile values became patterns; long output keeps head and tail around `...`.
    expect(t).toContain('```text {expect}\nhello world\n')
    expect(t).toMatch(/^made \/tmp\/\[\^\\s\/\]\+ \(re\)$/m)
    expect(t).toMatch(/^build \\d\+ \(re\)$/m)
    expect(t).toContain('\n\\.\\.\\. (re)\n')
    expect(t).toMatch(/\n34\n\.\.\.\n221\n/)

    const replayDir = workspace()
    copyFileSync(join(latestRun(ws), 'transcript.md'), join(replayDir, 'transcript.md'))
    const green = await docrun(['run', 'transcript.md'], { cwd: replayDir })
    expect(green.exitCode, green.all).toBe(0)
    // The replay's own transcript drops the old header and keeps one expectation per block.
    const again = transcript(replayDir)
    expect(again.match(/<!-- docrun transcript/g)).toHaveLength(1)
    expect(again.match(/```text \{expect\}/g)).toHaveLength(1)

    const red = await docrun(['run', 'transcript.md', '--set', 'WHO=there'], { cwd: replayDir })
    expect(red.exitCode).toBe(1)
    expect(red.stdout).toContain('postcondition greet:expect failed')
    expect(red.stdout).toMatch(/-hello world\n\s+\+hello there/)
    expect(transcript(replayDir)).toContain('```diff\n--- expected\n+++ actual\n')
  })
})

describe('--update-expect', () => {
  it('rewrites the {expect} blocks that differ, prints the diff, and the next run passes without re-running them on --resume', async () => {
    const ws = workspace()
    const md =
      '# U\n\n```sh {name=a}\necho one\necho "at $(date +%T)"\n```\n\n```text {expect}\nuno\n```\n\n```sh {name=b}\necho two\n```\n\n```{expect}\ntwo\n```\n'
    writeFileSync(join(ws, 'u.md'), md)
    expect((await docrun(['run', 'u.md'], { cwd: ws })).exitCode).toBe(1)
    const upd = await docrun(['run', 'u.md', '--update-expect'], { cwd: ws })
    expect(upd.exitCode, upd.all).toBe(0)
    expect(upd.stdout).toContain('-uno\n+one\n+at \\d{1,2}:\\d{2}:\\d{2}(?:\\.\\d+)? (re)\n')
    expect(upd.stderr).toContain('rewrote 1 {expect} block(s)')
    const now = readFileSync(join(ws, 'u.md'), 'utf8')
    expect(now).toBe(md.replace('uno\n', 'one\nat \\d{1,2}:\\d{2}:\\d{2}(?:\\.\\d+)? (re)\n'))
    expect(transcript(ws)).toContain('rewritten with the actual output (--update-expect)')
    const resumed = await docrun(['run', 'u.md', '--resume'], { cwd: ws })
    expect(resumed.exitCode).toBe(0)
    expect(resumed.stdout).toContain('2 skipped')
    expect((await docrun(['run', 'u.md'], { cwd: ws })).exitCode).toBe(0)
  })

  it('grows the fence when the new body holds backticks, and keeps other text byte for byte', () => {
    const text = '# T\n\n```sh\necho x\n```\n\n```{expect}\nold\n```\ntail\n'
    const out = rewriteExpects(text, [{ position: { start: { line: 7, column: 1 }, end: { line: 9, column: 4 } }, body: 'has ``` inside' }])
    expect(out).toBe('# T\n\n```sh\necho x\n```\n\n````{expect}\nhas ``` inside\n````\ntail\n')
  })
})

describe('volatile values', () => {
  const rules = [...declaredRules(['ver-\\d+']), ...DEFAULT_RULES]
  const cases: [string, string][] = [
    ['Wed Nov 25 19:52:54 UTC 2026', 'Thu Dec  3 01:02:03 CET 2027'],
    ['started 2026-11-25T19:52:54.123Z', 'started 2027-01-01T00:00:00Z'],
    ['run 20261125-195104-e8f2 ok', 'run 20270101-000000-abcd ok'],
    ['real\t0m1.234s', 'real\t0m12.5s'],
    ['in /tmp/docrun-test-x1Y2/a/b', 'in /tmp/docrun-test-Q9/a/b'],
    ['pid 1234 exited', 'pid 98765 exited'],
    ['inet 10.0.2.15/24 brd 10.0.2.255', 'inet 10.0.3.99/24 brd 10.0.3.255'],
    ['link/ether 52:54:00:12:34:56', 'link/ether 52:54:00:ab:cd:ef'],
    ['inet6 fe80::5054:ff:fe12:3456/64', 'inet6 fe80::1/64'],
    ['at 0xffffffff81000000', 'at 0xffffffffa0001234'],
    ['ver-12 of [x]', 'ver-345 of [x]'],
  ]
  it.each(cases)('%s generalises to match %s, and still rejects a different line', (recorded, later) => {
    const line = expectLine(recorded, rules)
    expect(line.endsWith(' (re)')).toBe(true)
    expect(checkExpected(line, `${later}\n`).ok).toBe(true)
    expect(checkExpected(line, `${later} but changed\n`).ok).toBe(false)
  })

  it('keeps plain lines literal and escapes lines that look like patterns', () => {
    expect(expectLine('hello world', rules)).toBe('hello world')
    expect(expectLine('...', rules)).toBe('\\.\\.\\. (re)')
    expect(checkExpected(expectLine('a (re)', rules), 'a (re)\n').ok).toBe(true)
    expect(checkExpected(expectLine('a+b (re)', rules), 'aab (re)\n').ok).toBe(false)
  })
})
