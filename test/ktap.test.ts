// KTAP (KUnit) and kunit.py's summary, on the kernel's own captures (tools/testing/kunit/test_data).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseKtap, parseKunitSummary } from '../src/checks/ktap.js'
import { detectReport } from '../src/checks/reports.js'

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures/reports/ktap', name), 'utf8')

describe('KTAP', () => {
  it('counts the test cases of each suite, and names the failing ones suite.case', () => {
    const r = parseKtap(fixture('test_is_test_passed-failure.log'))!
    expect(r).toMatchObject({ format: 'ktap', passed: 9, failed: 1, skipped: 0, total: 10, failures: ['example.example_simple_test'] })
    expect(r.subtests!.map((s) => [s.name, s.passed, s.failed])).toEqual([
      ['sysctl_test', 8, 0],
      ['example', 1, 1],
    ])
  })

  it('reads KTAP version 1 with nested KTAP headers, and # SKIP as skipped', () => {
    expect(parseKtap(fixture('test_parse_ktap_output.log'))).toMatchObject({ passed: 3, failed: 0, total: 3, subtests: [{ name: 'suite', total: 3 }] })
    expect(parseKtap(fixture('test_skip_tests.log'))).toMatchObject({ passed: 4, skipped: 1, failed: 0, total: 5 })
  })

  it('reads through console timestamps and kernel messages between the lines', () => {
    const r = parseKtap(fixture('test_interrupted_tap_output.log'))!
    expect(r).toMatchObject({ passed: 10, failed: 0, total: 10 })
    expect(r.subtests!.map((s) => s.name)).toEqual(['kunit-resource-test', 'kunit-try-catch-test', 'string-stream-test'])
  })

  it('counts suites the plan promised but the run never reported as failed (a kernel that died)', () => {
    const r = parseKtap(fixture('test_config_printk_time.log'))
    expect(r).toMatchObject({ passed: 10, failed: 0 })
    const cut = fixture('test_is_test_passed-all_passed_nested.log').split('\n')
    const head = cut.slice(0, cut.findIndex((l) => /^ok 1 /.test(l)) + 1).join('\n')
    const short = parseKtap(head)!
    expect(short.failed).toBeGreaterThan(0)
    expect(short.failures.at(-1)).toMatch(/planned suites never reported/)
  })

  it('is not kselftest TAP 13 (that stays TAP), and detectReport picks KTAP for KUnit output', () => {
    const kselftest = readFileSync(join(import.meta.dirname, 'fixtures/reports/kselftest-runner-7.2.txt'), 'utf8')
    expect(parseKtap(kselftest)).toBeUndefined()
    expect(detectReport(kselftest)?.format).toBe('tap')
    expect(detectReport(fixture('test_is_test_passed-failure.log'))?.format).toBe('ktap')
  })

  it("agrees with kunit.py on a real run (Linux 6.1's default KUnit suites under UML: 27 suites, 217 cases)", () => {
    const raw = parseKtap(fixture('kunit-um-6.1-raw.log'))!
    const summary = parseKunitSummary(fixture('kunit-um-6.1-summary.log'))!
    expect(summary).toEqual({ format: 'kunit', passed: 210, failed: 0, skipped: 7, total: 217, failures: [] })
    expect(raw).toMatchObject({ passed: summary.passed, failed: 0, skipped: summary.skipped, total: summary.total })
    expect(raw.subtests).toHaveLength(27)
    expect(raw.subtests![0]).toMatchObject({ name: 'time_test_cases', total: 1 })
  })

  it("reads kunit.py's summary line", () => {
    const out =
      '[12:01:02] ============ [FAILED] example ============\n[12:01:02] [FAILED] example_simple_test\n[12:01:03] Testing complete. Ran 10 tests: passed: 8, failed: 1, skipped: 1\n'
    expect(parseKunitSummary(out)).toEqual({ format: 'kunit', passed: 8, failed: 1, skipped: 1, total: 10, failures: ['example', 'example_simple_test'] })
  })
})
