// `docrun import` (pandoc) of both editions of "Testing BPF on s390", lint of what will not
// run unattended, and an as-is run that stops at the first block that cannot run here.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, transcript, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

const DIR = join(FIXTURES, 'import')

async function imported(name: string): Promise<string> {
  await requireTool('pandoc', 'pandoc')
  const ws = workspace()
  const out = join(ws, `${name}.md`)
  const r = await docrun(['import', join(DIR, `${name}.rst`), '-o', out], { cwd: ws })
  expect(r.exitCode, r.all).toBe(0)
  return readFileSync(out, 'utf8')
}

function golden(name: string, text: string) {
  const path = join(DIR, `${name}.runbook.md`)
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) writeFileSync(path, text)
  expect(text).toBe(readFileSync(path, 'utf8'))
}

const blocksOf = (md: string) => [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] }))

describe('import', () => {
  it('turns both editions into runbooks with sections 1–7 and every literal block fenced', async () => {
    const en = await imported('s390')
    const zh = await imported('s390.zh')
    golden('s390', en)
    golden('s390.zh', zh)
    for (const md of [en, zh]) expect([...md.matchAll(/^## (\d)\. /gm)].map((m) => m[1])).toEqual(['1', '2', '3', '4', '5', '6', '7'])
    // The Chinese edition's indented blocks after a full-width colon are literal blocks too,
    // backslashes and all: both editions carry the same 14 blocks, byte for byte.
    expect(blocksOf(en)).toHaveLength(14)
    expect(blocksOf(zh)).toEqual(blocksOf(en))
    expect(blocksOf(en).filter((b) => b.lang === 'kconfig').map((b) => b.body.trim().split('\n')[0])).toEqual(['CONFIG_NET_9P=y', 'RANDOMIZE_BASE=n'])
  })

  it('lint lists /dev/loopX and menuconfig with their lines; both editions have the same findings', async () => {
    const ws = workspace()
    const findings: Record<string, string[]> = {}
    for (const name of ['s390', 's390.zh']) {
      writeFileSync(join(ws, `${name}.md`), await imported(name))
      const r = await docrun(['lint', `${name}.md`], { cwd: ws })
      expect(r.exitCode, r.all).toBe(0)
      findings[name] = r.stderr.split('\n').filter((l) => /^\d+:\d+/.test(l))
    }
    const en = findings.s390!
    const lines = readFileSync(join(ws, 's390.md'), 'utf8').split('\n')
    const at = (rule: string, what: string) => en.filter((l) => l.includes(rule) && l.includes(what)).map((l) => Number(l.split(':')[0]))
    const loopX = at('placeholder', '/dev/loopX')
    expect(loopX.length).toBe(3)
    for (const n of loopX) expect(lines[n - 1]).toContain('/dev/loopX')
    const menuconfig = at('interactive', 'menuconfig')
    expect(menuconfig).toHaveLength(1)
    expect(lines[menuconfig[0]! - 1]).toContain('menuconfig')
    expect(en.some((l) => l.includes('bare `chroot DIR`'))).toBe(true)
    // Same findings in the same blocks: only the line numbers differ (the prose does).
    const shape = (ls: string[]) => ls.map((l) => l.replace(/^\d+:\d+\s+/, '').replace(/\s+/g, ' '))
    expect(shape(findings['s390.zh']!)).toEqual(shape(en))
  })

  it('`docrun run` of the English edition as it is stops at the first block that cannot run, and says why', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    const r = await docrun(['run', join(DIR, 's390.rst')], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const t = transcript(ws)
    expect(t).toMatch(/❌ \*\*failed\*\* · `2-one-time-setup-1` · host/)
    expect(t).toContain('cannot run unattended (line 33): a bare `chroot DIR`')
    // Nothing of it ran: no debootstrap into the workspace, no mounts.
    expect(existsSync(join(ws, 's390-toolchain'))).toBe(false)
  })

  it('a plain Markdown document runs its indented code blocks as shell, and keeps Kconfig-only ones as data', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'plain.md'), '# Plain\n\n## 1. Do\n\nRun this:\n\n    echo from an indented block > made.txt\n\nConfig:\n\n    CONFIG_X=y\n    CONFIG_Y=m\n')
    const r = await docrun(['run', 'plain.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'made.txt'), 'utf8')).toBe('from an indented block\n')
    const list = await docrun(['list', '--json', 'plain.md'], { cwd: ws })
    expect((JSON.parse(list.stdout) as { steps: { action: string }[] }).steps.map((s) => s.action)).toEqual(['run', 'none'])
  })
})
