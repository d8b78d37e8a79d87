// CI reports: junit.xml (a testsuite per section, a testcase per block) and summary.json.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { create } from 'xmlbuilder2'
import { docrun, latestRun, workspace } from './helpers/cli.js'
import { writeFileSync } from 'node:fs'

describe('junit.xml and summary.json', () => {
  it('one testsuite per section, one testcase per block, failure with status, check message and output tail', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'rb.md'),
      "# J\n\n## 1. Setup\n\n```sh {name=ok}\necho fine\n```\n\n```sh {name=later skip}\necho no\n```\n\n## 2. Build\n\n```sh {name=build}\necho 'compiling <things> & \u001b[31mred\u001b[0m'\n```\n\n```sh {check}\necho missing artefact\nexit 4\n```\n",
    )
    const r = await docrun(['run', 'rb.md', '--junit', 'reports/junit.xml'], { cwd: ws })
    expect(r.exitCode).toBe(1)
    const xml = readFileSync(join(latestRun(ws), 'junit.xml'), 'utf8')
    expect(readFileSync(join(ws, 'reports/junit.xml'), 'utf8')).toBe(xml)
    const doc = create(xml).end({ format: 'object' }) as unknown as { testsuites: { testsuite: { '@name': string; '@failures': string; testcase: unknown }[] } }
    const suites = doc.testsuites.testsuite
    expect(suites.map((s) => [s['@name'], s['@failures']])).toEqual([
      ['1. Setup', '0'],
      ['2. Build', '1'],
    ])
    expect(xml).toMatch(/<testcase name="later" classname="1\. Setup" time="0\.000">\s*<skipped message="marked skip"\/>/)
    expect(xml).toMatch(
      /<testcase name="build" classname="2\. Build" time="\d+\.\d{3}">\s*<failure message="postcondition build:check failed: exited with status 4" type="failed">/,
    )
    expect(xml).toContain('missing artefact')
    expect(xml).toContain('compiling &lt;things&gt; &amp; red')
    expect(xml).not.toContain('\u001b')
    const summary = JSON.parse(readFileSync(join(latestRun(ws), 'summary.json'), 'utf8'))
    expect(summary).toMatchObject({ status: 'failed', exitCode: 1, counts: { passed: 1, failed: 1 } })
    expect(summary.runbook.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(summary.blocks.map((b: { id: string; status: string }) => `${b.id}:${b.status}`)).toEqual(['ok:passed', 'later:skipped', 'build:failed'])
  })
})
