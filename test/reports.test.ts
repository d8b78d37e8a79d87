// The test-report parsers on real outputs (see test/fixtures/reports/README.md), and the
// report table a block's output gets in the transcript.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { detectReport, parseTap, parseTestProgs, parseTestVerifier } from '../src/checks/reports.js'
import { docrun, FIXTURES, transcript, workspace } from './helpers/cli.js'

const fixture = (name: string) => readFileSync(join(FIXTURES, 'reports', name), 'utf8')

describe('test reports', () => {
  it("reads kselftest's TAP from run_kselftest.sh", () => {
    const r = parseTap(fixture('kselftest-runner-7.2.txt'))
    expect(r).toEqual({ format: 'tap', passed: 1, failed: 1, skipped: 1, total: 3, failures: ['selftests: demo: fails.sh'] })
  })

  it("reads run_kselftest.sh's TAP from the s390x guest, with test_verifier's own Summary nested in it (Linux 7.2)", () => {
    const text = fixture('kselftest-bpf-s390x-7.2.txt')
    // The runner's verdict is the report; the summary inside it (as `# ` lines) is read as well.
    expect(parseTap(text)).toEqual({
      format: 'tap',
      passed: 1,
      failed: 0,
      skipped: 0,
      total: 1,
      failures: [],
      nested: [{ format: 'test_verifier', passed: 791, failed: 0, skipped: 0, total: 791, failures: [] }],
    })
    expect(detectReport(text)?.format).toBe('tap')
    // Without kselftest's prefix nothing is nested.
    expect(parseTap(fixture('kselftest-runner-7.2.txt'))?.nested).toBeUndefined()
  })

  it("reads test_progs' Summary and failing tests from a real run in the s390x guest (Linux 7.2, one known s390x failure)", () => {
    const r = parseTestProgs(fixture('test_progs-s390x-7.2.txt'))
    expect(r).toEqual({ format: 'test_progs', passed: 5, failed: 1, skipped: 3, total: 9, failures: ['stacktrace_build_id'] })
    const ok = parseTestProgs(fixture('test_progs-s390x-7.2-passing.txt'))
    expect(ok).toEqual({ format: 'test_progs', passed: 14, failed: 0, skipped: 2, total: 16, failures: [] })
    expect(detectReport(fixture('test_progs-s390x-7.2.txt'))?.format).toBe('test_progs')
  })

  it("reads test_verifier's Summary from a real run in the s390x guest (Linux 7.2, 791 passed)", () => {
    const text = fixture('test_verifier-s390x-7.2.txt')
    const r = parseTestVerifier(text)
    expect(r).toEqual({ format: 'test_verifier', passed: 791, failed: 0, skipped: 0, total: 791, failures: [] })
    // Found as such among a block's output, not mistaken for TAP.
    expect(detectReport(`booting...\n${text}`)?.format).toBe('test_verifier')
  })

  it('finds nothing in output that is no report', () => {
    expect(detectReport('make: Nothing to be done for all.\nok, done\n')).toBeUndefined()
  })

  it('shows a report found in a block’s output as a table in the transcript', async () => {
    const ws = workspace()
    const src = join(FIXTURES, 'reports', 'kselftest-runner-7.2.txt')
    expect(existsSync(src)).toBe(true)
    writeFileSync(join(ws, 'rb.md'), `# Report\n\n\`\`\`sh {name=suite}\ncat ${JSON.stringify(src)}\n\`\`\`\n`)
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    const t = transcript(ws)
    expect(t).toContain('| tap | passed | failed | skipped |\n|---|---|---|---|\n| 3 run | 1 | 1 | 1 |')
    expect(t).toContain('Failing: `selftests: demo: fails.sh`')
  })

  it('shows the summary inside a kselftest run as a row of its table', async () => {
    const ws = workspace()
    const src = join(FIXTURES, 'reports', 'kselftest-bpf-s390x-7.2.txt')
    writeFileSync(join(ws, 'rb.md'), `# Report\n\n\`\`\`sh {name=suite}\ncat ${JSON.stringify(src)}\n\`\`\`\n`)
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(transcript(ws)).toContain(
      '| tap | passed | failed | skipped |\n|---|---|---|---|\n| 1 run | 1 | 0 | 0 |\n| inside: test_verifier, 791 run | 791 | 0 | 0 |\n',
    )
  })
})
