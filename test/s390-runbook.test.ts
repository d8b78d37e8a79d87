// The s390 runbook and its Chinese edition: the same sections, the same blocks byte for byte,
// both lint clean, and the checks module they share loads and covers the key blocks.
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { loadRunbook, hasErrors } from '../src/runbook/parse.js'
import { loadChecks } from '../src/checks/load.js'
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
  })

  it('both editions load the one checks module, and it covers the steps the prose makes claims about', async () => {
    const en = await loadChecks(EN)
    const zhRunbook = await loadRunbook(ZH)
    const zh = await loadChecks(ZH, zhRunbook.runbook.frontmatter.checks)
    expect(zh.path).toBe(en.path)
    expect(en.path).toBe(join(ROOT, 'checks/s390-bpf.ts'))
    const keys = new Set(en.checks.map((c) => c.key))
    for (const k of ['prerequisites', 'image', 'kernel', 'selftests', 'boot', 'test_verifier']) expect(keys.has(k), k).toBe(true)
    const ids = new Set((await loadRunbook(EN)).runbook.blocks.map((b) => b.id))
    for (const k of keys) expect(ids.has(k), `checks key ${k} names a block`).toBe(true)
  })
})
