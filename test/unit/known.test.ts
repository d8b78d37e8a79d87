import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyKnown, parseDenylist } from '../../src/checks/known.js'
import { parseTestProgs } from '../../src/checks/reports.js'

const capture = readFileSync(join(import.meta.dirname, '../fixtures/reports/test_progs-s390x-7.2.txt'), 'utf8')

describe('known failures (DENYLIST)', () => {
  it('reads a DENYLIST: one entry a line, comments dropped', () => {
    expect(parseDenylist('# comment\nstacktrace_build_id                   # compare build id\n\nbpf_cookie/perf_event\nmap_kptr*\n')).toEqual([
      'stacktrace_build_id',
      'bpf_cookie/perf_event',
      'map_kptr*',
    ])
  })

  it("turns test_progs's failing stacktrace_build_id on the real s390x capture into known", () => {
    const report = parseTestProgs(capture)!
    expect(report.failures).toEqual(['stacktrace_build_id'])
    const r = applyKnown(report, [{ source: 'DENYLIST.s390x', entries: parseDenylist('stacktrace_build_id  # build id\n') }])
    expect(r).toMatchObject({ failed: 0, known: 1, failures: [], knownFailures: [{ name: 'stacktrace_build_id', list: 'DENYLIST.s390x' }] })
  })

  it('a list that does not name the failure leaves it failed; wildcards and subtests match', () => {
    const report = { format: 'test_progs' as const, passed: 1, failed: 2, skipped: 0, total: 3, failures: ['map_kptr', 'xdp_bonding'] }
    const r = applyKnown(report, [{ source: 'runbook', entries: ['map_*'] }])
    expect(r).toMatchObject({ failed: 1, known: 1, failures: ['xdp_bonding'] })
    expect(applyKnown({ ...report, failures: ['bpf_cookie/perf_event'], failed: 1 }, [{ source: 'x', entries: ['bpf_cookie'] }]).failed).toBe(0)
  })
})
