// The s390 runbook and its Chinese edition: the same sections, the same blocks byte for byte,
// both lint clean, and the checks module they share loads and covers the key blocks.
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { loadRunbook, hasErrors } from '../src/runbook/parse.js'
import { loadChecks } from '../src/checks/load.js'
import { buildPlan } from '../src/plan/plan.js'
import { lintPlan } from '../src/lint/lint.js'
import { execa } from 'execa'
import { readFileSync } from 'node:fs'
import { ROOT } from './helpers/cli.js'

const EN = join(ROOT, 'runbooks/s390-bpf.md')
const ZH = join(ROOT, 'runbooks/s390-bpf.zh.md')

describe('runbooks/s390-bpf', () => {
  it('both editions have sections 1–7 and the same blocks, byte for byte', async () => {
    const [en, zh] = await Promise.all([loadRunbook(EN), loadRunbook(ZH)])
    expect(hasErrors(en.file), String(en.file.messages)).toBe(false)
    expect(hasErrors(zh.file), String(zh.file.messages)).toBe(false)
    const numbers = (r: typeof en) => r.runbook.sections.filter((s) => s.number).map((s) => s.number)
    expect(numbers(en)).toEqual(['1', '2', '3', '4', '5', '6', '7'])
    expect(numbers(zh)).toEqual(numbers(en))
    const blocks = (r: typeof en) => {
      const numberOf = new Map(r.runbook.sections.map((s) => [s.id, s.number]))
      return r.runbook.blocks.map((b) => ({ section: numberOf.get(b.section), id: b.id, lang: b.lang, attrs: b.attrs, content: b.content, hash: b.hash }))
    }
    expect(blocks(zh)).toEqual(blocks(en))
    expect(zh.runbook.frontmatter.params).toEqual(en.runbook.frontmatter.params)
    expect(zh.runbook.frontmatter.chroots).toEqual(en.runbook.frontmatter.chroots)
    expect(zh.runbook.frontmatter.hosts).toEqual(en.runbook.frontmatter.hosts)
  })

  // Section 4 runs in the emulated guest unless test_host names an s390x machine; then over SSH there, under KVM or natively.
  const EMULATED = ['boot', 'second-stage', 'fresh-boot', 'mounts', 'kselftest', 'test_verifier', 'test_progs']
  const REMOTE = ['test-host-stage', 'test-host-tests', 'test-host', 'test-host-copy']
  it.each([
    ['without test_host: the emulated guest, as before', {}, ['root-disk', ...EMULATED]],
    [
      'test_host (kvm): the built kernel under KVM there',
      { test_host: 'linux1@148.100.1.2' },
      ['root-disk', ...REMOTE.slice(0, 2), 'test-host-init', ...REMOTE.slice(2), 'test-host-kvm'],
    ],
    ['test_host, native: its own kernel', { test_host: 'linux1@148.100.1.2', test_host_mode: 'native' }, ['root-disk', ...REMOTE, 'test-host-native']],
  ])('both editions plan section 4 %s; both lint clean', async (_, sets: Record<string, string>, section4) => {
    for (const path of [EN, ZH]) {
      const { runbook, file } = await loadRunbook(path)
      const plan = buildPlan(runbook, file, { sets })
      await lintPlan(runbook, plan, file)
      expect(file.messages.filter((m) => m.fatal !== undefined).map((m) => `${m.line}: ${m.reason}`)).toEqual([])
      const runs = plan.steps.filter((s) => !s.skip && s.action !== 'none')
      expect(runs.filter((s) => s.section?.number === '4').map((s) => s.id)).toEqual(section4)
      // Everything else is the same plan: sections 2, 3, 5 and 6 as they are.
      expect(runs.filter((s) => s.section?.number !== '4').map((s) => s.id)).toContain('debug-boot')
      for (const s of runs.filter((s) => s.target.kind === 'ssh')) expect(s.target).toEqual({ kind: 'ssh', name: 's390-host', host: { ssh: sets.test_host } })
      const copy = runs.find((s) => s.id === 'test-host-copy')
      if (copy) expect([copy.copy!.from.name, copy.copy!.to.name]).toEqual(['toolchain', 's390-host'])
    }
  })

  it('the Chinese edition is what scripts/zh-runbook.py makes of its template', async () => {
    const made = await execa('python3', ['scripts/zh-runbook.py', 'scripts/s390-bpf.zh.template.md'], { cwd: ROOT })
    expect(made.stdout + '\n').toBe(readFileSync(ZH, 'utf8'))
  })

  it('both editions load the one checks module, and it covers the steps the prose makes claims about', async () => {
    const en = await loadChecks(EN)
    const zhRunbook = await loadRunbook(ZH)
    const zh = await loadChecks(ZH, zhRunbook.runbook.frontmatter.checks)
    expect(zh.path).toBe(en.path)
    expect(en.path).toBe(join(ROOT, 'checks/s390-bpf.ts'))
    const keys = new Set(en.checks.map((c) => c.key))
    for (const k of ['prerequisites', 'image', 'kernel', 'selftests', 'boot', 'test_verifier', 'test-host-kvm', 'test-host-native'])
      expect(keys.has(k), k).toBe(true)
    const ids = new Set((await loadRunbook(EN)).runbook.blocks.map((b) => b.id))
    for (const k of keys) expect(ids.has(k), `checks key ${k} names a block`).toBe(true)
  })
})
