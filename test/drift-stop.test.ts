// The drift report of a document run as it is, when it stopped at an expectation: the output a
// sentence introduced ("You should see the following:") became the command's {expect}, and the
// command printed something else. The report says so, with the difference, not "not recognised".
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, latestRun, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

const DOC = [
  'Greeting',
  '========',
  '',
  'Run::',
  '',
  '    echo hello',
  '    echo world',
  '',
  'You should see the following::',
  '',
  '    goodbye',
  '    world',
  '',
].join('\n')

describe('drift report: a failed expectation', () => {
  it('says the expectation failed, whose that is, and the difference (lines shown but not printed, printed but not shown)', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    writeFileSync(join(ws, 'greeting.rst'), DOC)
    const r = await docrun(['run', 'greeting.rst'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const said = /stopped at greeting\.rst:6: (.*)/.exec(r.stderr)?.[1]
    expect(said, r.stderr).toBeDefined()
    expect(said).not.toMatch(/not recognised/)
    expect(said).toMatch(/the output differs from what the document shows.*1 line shown but not printed, 1 printed but not shown.*`goodbye`.*`hello`/)
    expect(said).toMatch(/\(the expectation failed\)$/)
    const report = readFileSync(join(latestRun(ws), 'drift-report.md'), 'utf8')
    expect(report).toMatch(/\| whose \| \*\*the expectation failed: .*\*\* \|/)
    expect(report).toContain('```diff\n--- expected\n+++ actual\n@@ -1,2 +1,2 @@\n-goodbye\n+hello\n world\n```')
  })
})
