// The report page's pure parts on events made up for the case (beside the real runs of
// report-html.test.ts): shapes no real run here produces yet (kernel splats, known failures,
// KUnit suites), hostile output, a guest booted twice — rendered, then read in the browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlockResult, RunEvent } from '../src/events/events.js'
import type { Plan, Step } from '../src/plan/types.js'
import { modelOf } from '../src/report/html/model.js'
import { renderPage } from '../src/report/html/page.js'
import { launchBrowser, type Browser } from './helpers/browser.js'

const T0 = Date.parse('2026-12-01T10:00:00Z')
const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const section = { id: 'tests', number: '1', title: 'Tests', label: '1. Tests', depth: 2 }
const step = (id: string, index: number, extra: Partial<Step> = {}): Step =>
  ({
    ...{ id, index, section, lang: 'sh', action: 'run', target: { kind: 'host', name: 'host' }, content: '', hash: id, attrs: {}, errexit: true },
    position: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    ...extra,
  }) as Step
const plan: Plan = {
  runbook: { path: 'parts.md', sha256: 'f'.repeat(64), title: 'Parts', dialect: 'docrun' },
  host: { shell: 'bash' },
  volatile: [],
  params: [],
  sections: [section],
  steps: [
    step('boot', 0, { action: 'boot', boot: { guest: 'vm' } }),
    step('kunit', 1, { target: { kind: 'guest', name: 'vm' } }),
    step('hostile', 2),
    step('unselected', 3, { skip: { kind: 'not-selected' } }),
    step('old-unselected', 4, { skip: 'not selected' as never }),
    step('after', 5),
  ],
}
const result = (start: number, end: number, extra: Partial<BlockResult> = {}): BlockResult => ({
  ...{ status: 'passed', exitCode: 0, timedOut: false, interrupted: false, outputBytes: 0 },
  durationMs: (end - start) * 1000,
  startedAt: at(start),
  ...extra,
})
const facts = { kernel: 'k', distro: 'd', arch: 'x64', node: 'v20', docrun: '0.1.0', tools: {} }

const EVENTS: RunEvent[] = [
  { type: 'run-start', time: at(0), runId: 'r1', runDir: '/nonexistent/r1', plan, facts, resumed: false, workspace: '/nonexistent' },
  { type: 'block-start', time: at(1), step: 'boot', target: 'host', attempt: 1 },
  { type: 'block-end', time: at(5), step: 'boot', result: result(1, 5) },
  { type: 'block-start', time: at(5), step: 'kunit', target: 'vm', attempt: 1 },
  {
    type: 'block-end',
    time: at(9),
    step: 'kunit',
    result: result(5, 9, {
      status: 'failed',
      exitCode: 1,
      message: 'guest vm is gone: QEMU exited',
      report: {
        ...{ format: 'ktap', passed: 9, failed: 1, skipped: 0, total: 10, known: 2, failures: ['example.example_simple_test'] },
        knownFailures: [{ name: 'bpf_cookie', list: 'DENYLIST.s390x' }],
        subtests: [{ format: 'ktap', name: 'sysctl_test', passed: 8, failed: 0, skipped: 0, total: 8, failures: [] }],
      },
      splats: [
        { kind: 'oops', title: 'Oops: 0004 ilc:3 [#1] SMP', lines: ['Oops: 0004 ilc:3 [#1] SMP', 'Krnl PSW : 0704c00180000000'], guest: 'vm' },
        { kind: 'warning', title: 'WARNING: CPU: 0 PID: 1 at lib/x.c:1', lines: ['WARNING: CPU: 0 PID: 1 at lib/x.c:1'], guest: 'vm', allowed: 'known noise' },
      ],
    }),
  },
  { type: 'block-start', time: at(10), step: 'boot', target: 'host', attempt: 2 },
  { type: 'block-end', time: at(12), step: 'boot', result: result(10, 12) },
  { type: 'block-start', time: at(12), step: 'hostile', target: 'host', attempt: 1 },
  { type: 'output', time: at(12), step: 'hostile', data: '<script>window.pwned = 1</script> & "quotes"\n' },
  {
    type: 'block-end',
    time: at(13),
    step: 'hostile',
    result: result(12, 13, {
      checks: [{ name: '<img src=x onerror=pwned=1>', kind: 'check', passed: true }],
      interventions: [{ why: 'failed', action: 'continue', durationMs: 65_000, attempt: 1, where: 'bash on the host', commands: ['ls <b>x</b>'] }],
    }),
  },
  { type: 'note', time: at(14), level: 'info', message: 'guest vm shut down after 4s (sync; poweroff -f)' },
  { type: 'run-end', time: at(14), status: 'failed', exitCode: 1, counts: { passed: 3, failed: 1, 'timed-out': 0, interrupted: 0, skipped: 0 } },
]

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
}, 60_000)
afterAll(async () => {
  await browser?.close()
})

describe('report page parts', () => {
  it('a guest booted twice has two lives; the block that lost it ends the first; a block run twice has two bars', () => {
    const v = modelOf(EVENTS)
    expect(v.guests.map((g) => [g.startMs - T0, g.readyMs! - T0, g.endMs! - T0])).toEqual([
      [1000, 5000, 9000],
      [10_000, 12_000, 14_000],
    ])
    expect(v.guests[0]!.end).toBe('guest vm is gone: QEMU exited')
    expect(v.blocks.find((b) => b.id === 'boot')!.attempts).toHaveLength(2)
    // Outside the selection (as the plan says it now, and as older runs said it): not on the page.
    expect(v.blocks.map((b) => [b.id, b.status])).toEqual([
      ['boot', 'passed'],
      ['kunit', 'failed'],
      ['hostile', 'passed'],
      ['after', 'not run'],
    ])
  })

  it('a guest booted again: the one it replaces lives until it has shut down, the new one until the run ends', () => {
    const again: RunEvent[] = [
      EVENTS[0]!,
      { type: 'block-start', time: at(1), step: 'boot', target: 'host', attempt: 1 },
      { type: 'block-end', time: at(5), step: 'boot', result: result(1, 5) },
      { type: 'block-start', time: at(10), step: 'boot', target: 'host', attempt: 2 },
      { type: 'note', time: at(10), level: 'info', message: 'guest vm is booted again by boot: shutting down the running one first' },
      { type: 'note', time: at(11), level: 'info', message: 'guest vm shut down after 10s (sync; poweroff -f → QEMU quit (Ctrl-A x))' },
      { type: 'block-end', time: at(15), step: 'boot', result: result(10, 15) },
      { type: 'block-start', time: at(15), step: 'kunit', target: 'vm', attempt: 1 },
      { type: 'block-end', time: at(60), step: 'kunit', result: result(15, 60) },
      { type: 'run-end', time: at(61), status: 'passed', exitCode: 0, counts: { passed: 3, failed: 0, 'timed-out': 0, interrupted: 0, skipped: 0 } },
    ]
    const v = modelOf(again)
    expect(v.guests.map((g) => [g.startMs - T0, g.readyMs! - T0, g.endMs! - T0])).toEqual([
      [1000, 5000, 11_000],
      [10_000, 15_000, 61_000],
    ])
    expect(v.guests[0]!.end).toMatch(/^guest vm shut down after 10s/)
  })

  it('renders splats, known failures and KUnit suites; what a block printed or a check is named stays text', async () => {
    const page = await browser.page()
    await page.setContent(renderPage(modelOf(EVENTS)))
    expect(await page.locator('.timeline .bar').count()).toBe(4)
    expect(await page.locator('.timeline .guest-lane .life').count()).toBe(2)
    const kunit = page.locator('article[data-block="kunit"]')
    expect(await kunit.locator('table.report thead th').allTextContents()).toEqual(['test report', 'passed', 'failed', 'skipped', 'known', 'total'])
    const cells = (rows: Element[]) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))
    expect(await kunit.locator('table.report tbody tr').evaluateAll(cells)).toEqual([
      ['ktap', '9', '1', '0', '2', '10'],
      ['↳ ktap: sysctl_test', '8', '0', '0', '', '8'],
    ])
    expect(await kunit.locator('ul.known-failures li').allTextContents()).toEqual(['bpf_cookie (DENYLIST.s390x)'])
    expect(await kunit.locator('.splat').evaluateAll((ds) => ds.map((d) => [d.getAttribute('data-kind'), (d as HTMLDetailsElement).open]))).toEqual([
      ['oops', true],
      ['warning', false],
    ])
    expect(await kunit.locator('.splats > p').textContent()).toContain('2 kernel splats on the console (1 allowed)')
    const hostile = page.locator('article[data-block="hostile"]')
    expect(await hostile.locator('details.output pre').textContent()).toBe('<script>window.pwned = 1</script> & "quotes"')
    expect(await hostile.locator('.check .name').textContent()).toBe('<img src=x onerror=pwned=1>')
    // A person's step-in (--debug): in the transcript's words, with what they typed (as text).
    const stepIn = hostile.locator('ul.interventions li')
    expect(await stepIn.getAttribute('data-action')).toBe('continue')
    expect(await stepIn.textContent()).toContain('a person stepped in after attempt 1 failed, in bash on the host')
    expect(await stepIn.textContent()).toContain('and chose continue (passed by hand)')
    expect(await stepIn.locator('pre').textContent()).toBe('$ ls <b>x</b>')
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined()
  })
})
