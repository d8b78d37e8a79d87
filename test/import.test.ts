// `docrun import` (pandoc) of both editions of "Testing BPF on s390", lint of what will not
// run unattended, the chroot and guest the reader enters, and an as-is run with its drift report.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { execa } from 'execa'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, latestRun, transcript, workspace } from './helpers/cli.js'
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

const blocksOf = (md: string) => [...md.matchAll(/^```(\w*)(?: \{[^}\n]*\})?\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] }))

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
    expect(
      blocksOf(en)
        .filter((b) => b.lang === 'kconfig')
        .map((b) => b.body.trim().split('\n')[0]),
    ).toEqual(['CONFIG_NET_9P=y', 'RANDOMIZE_BASE=n'])
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
    // The bare chroot is followed (the blocks after it run inside), so it is no finding.
    expect(en.some((l) => l.includes('bare `chroot DIR`'))).toBe(false)
    // Same findings in the same blocks: only the line numbers differ (the prose does).
    const shape = (ls: string[]) => ls.map((l) => l.replace(/^\d+:\d+\s+/, '').replace(/\s+/g, ' '))
    expect(shape(findings['s390.zh']!)).toEqual(shape(en))
  })

  it('follows the reader into the chroot and the guest: inferred targets of sections 2–6, the same in both editions', async () => {
    const ws = workspace()
    const plans: Record<string, { id: string; target: string; action: string; mirrors?: string }[]> = {}
    for (const name of ['s390', 's390.zh']) {
      writeFileSync(join(ws, `${name}.md`), await imported(name))
      const r = await docrun(['list', '--json', `${name}.md`], { cwd: ws })
      expect(r.exitCode, r.all).toBe(0)
      const plan = JSON.parse(r.stdout) as { steps: { id: string; target: { name: string }; action: string; attrs: { mirrors?: string } }[] }
      plans[name] = plan.steps
        .filter((s) => s.action !== 'none')
        .map((s) => ({ id: s.id, target: s.target.name, action: s.action, ...(s.attrs.mirrors ? { mirrors: s.attrs.mirrors } : {}) }))
    }
    const targets = plans.s390!.map((s) => `${s.action === 'boot' ? 'boot@' : ''}${s.target}`)
    expect(targets).toEqual([
      'host', // debootstrap, the rbind mounts, and the bare chroot (commented out: the blocks after it go in)
      's390-toolchain',
      's390-toolchain',
      's390-toolchain', // apt, clang, the disk image
      's390-toolchain', // the kernel build
      'boot@s390-toolchain', // QEMU with -nographic: started as guest vm
      'vm',
      'vm',
      'vm',
      'vm', // second stage, mounts, the test runs
      's390-toolchain', // gdb talks to the guest's stub from outside
      'vm', // dhclient
    ])
    // Each block says which of the document's blocks it is, and the import where that starts.
    const doc = readFileSync(join(DIR, 's390.rst'), 'utf8').split('\n')
    const starts = JSON.parse(/^imported-lines: (\[[^\]]*\])/m.exec(readFileSync(join(ws, 's390.md'), 'utf8'))![1]!) as number[]
    expect(starts).toHaveLength(14)
    const lineOf = (s: { mirrors?: string }) => doc[starts[Number(s.mirrors) - 1]! - 1]!
    expect(lineOf(plans.s390![0]!)).toContain('sudo debootstrap')
    expect(lineOf(plans.s390![5]!)).toContain('qemu-system-s390x')
    expect(lineOf(plans.s390![11]!)).toContain('dhclient eth0')
    // `docrun list DOC.rst` imports on the fly and shows the same inferences.
    const listed = await docrun(['list', join(DIR, 's390.rst')], { cwd: ws })
    expect(listed.exitCode, listed.all).toBe(0)
    expect(
      listed.stdout
        .split('\n')
        .filter((l) => l.includes(' @ ') && !l.includes('] data @'))
        .map((l) => /(boot guest vm )?@ (\S+)/.exec(l)!.slice(1).join('').replace('boot guest vm ', 'boot@')),
    ).toEqual(targets)
    // The Chinese edition: the same targets and the same document blocks (its lines differ with its prose).
    expect(plans['s390.zh']!.map((s) => `${s.action}@${s.target}#${s.mirrors}`)).toEqual(plans.s390!.map((s) => `${s.action}@${s.target}#${s.mirrors}`))
  })

  it(
    'the English edition run as it is gets into the chroot (apt runs there, not on the host) and stops with a drift report',
    async () => {
      await requireTool('pandoc', 'pandoc')
      await requireTool('debootstrap', 'debootstrap')
      const ws = workspace()
      const arches = (await execa('dpkg', ['--print-foreign-architectures'])).stdout
      const sources = (await execa('sh', ['-c', 'cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | sha256sum'])).stdout
      try {
        const r = await docrun(['run', join(DIR, 's390.rst')], { cwd: ws, timeout: 15 * 60_000 })
        expect(r.exitCode, r.all).toBe(1)
        // The document's apt commands ran in the chroot it made: its dpkg knows s390x, the host's does not change.
        expect(readFileSync(join(ws, 's390-toolchain/var/lib/dpkg/arch'), 'utf8')).toContain('s390x')
        expect((await execa('dpkg', ['--print-foreign-architectures'])).stdout).toBe(arches)
        expect((await execa('sh', ['-c', 'cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | sha256sum'])).stdout).toBe(sources)
        const t = transcript(ws)
        expect(t).toMatch(/✅ \*\*passed\*\* · `2-one-time-setup-1` · host/)
        expect(t).toMatch(/· `2-one-time-setup-2` · s390-toolchain/)
        // The drift report: the document's line, the command, the reason, whose it is.
        expect(r.stderr).toMatch(/drift report: .*drift-report\.md\n {2}stopped at s390\.rst:\d+: /)
        const report = readFileSync(join(latestRun(ws), 'drift-report.md'), 'utf8')
        expect(report).toMatch(/\| document line \| s390\.rst:\d+ \|/)
        expect(report).toMatch(/\| whose \| \*\*(?:drift in the document|a limit of this machine, not the document)\*\* \|/)
        expect(report).toMatch(/s390\.rst:\d+ \(placeholder\): `\/dev\/loopX`/)
        // Past the stop, the archive check names what else drifted, at the document's lines.
        const docText = readFileSync(join(DIR, 's390.rst'), 'utf8').split('\n')
        for (const [what, shown] of [
          ['`libelf1`: no such package in testing (s390x); libelf1t64 provides it', 'libelf1, \\'],
          ['`qemu-system-s390x`: none of the packages this document installs', 'qemu-system-s390x \\'],
        ] as const) {
          const m = new RegExp(`^- s390\\.rst:(\\d+): ${what.replace(/[()`.]/g, '\\$&')}`, 'm').exec(report)
          expect(m, report).not.toBeNull()
          expect(docText[Number(m![1]) - 1]!.trim()).toBe(shown)
        }
        const line = Number(/\| document line \| s390\.rst:(\d+) \|/.exec(report)![1])
        const command = /\| command \| `([^`]+)` \|/.exec(report)![1]!
        const docLines = readFileSync(join(DIR, 's390.rst'), 'utf8').split('\n')
        expect(command.startsWith(docLines[line - 1]!.trim().replace(/\s*\\$/, ''))).toBe(true)
      } finally {
        // Nothing stays mounted (the run tore its mounts down); only then is removing the chroot safe.
        const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
        expect(mounts.includes(` ${ws}/`)).toBe(false)
        if (!mounts.includes(` ${ws}/`)) rmSync(ws, { recursive: true, force: true })
      }
      // A debootstrap and apt in the chroot: minutes on a loaded machine (the run itself has 15).
    },
    20 * 60_000,
  )

  it('a plain Markdown document runs its indented code blocks as shell, and keeps Kconfig-only ones as data', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'plain.md'),
      '# Plain\n\n## 1. Do\n\nRun this:\n\n    echo from an indented block > made.txt\n\nConfig:\n\n    CONFIG_X=y\n    CONFIG_Y=m\n',
    )
    const r = await docrun(['run', 'plain.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'made.txt'), 'utf8')).toBe('from an indented block\n')
    const list = await docrun(['list', '--json', 'plain.md'], { cwd: ws })
    expect((JSON.parse(list.stdout) as { steps: { action: string }[] }).steps.map((s) => s.action)).toEqual(['run', 'none'])
  })
})

describe('import writes its front matter and its pandoc filter safely', () => {
  it('a chroot directory with `:` or `#` in it stays one string in the front matter (defect 7)', async () => {
    const { inferTargets } = await import('../src/import/infer-targets.js')
    const md = [
      '---',
      'title: "T"',
      '---',
      '',
      '```sh',
      'sudo chroot /srv/build:',
      '```',
      '',
      '```sh',
      'make',
      '```',
      '',
      '```sh',
      'sudo chroot /srv/a#1',
      '```',
      '',
    ].join('\n')
    const { text } = await inferTargets(md)
    const { parseDocument } = await import('yaml')
    const fm = parseDocument(text.slice(4, text.indexOf('\n---\n', 3)))
    expect(fm.errors).toEqual([])
    expect(fm.toJS().chroots).toEqual({ build_: '/srv/build:', a_1: '/srv/a#1' })
  })

  it('the Lua filter goes in a private temporary directory, removed after: a planted /tmp/docrun-codeblocks-PID.lua is not followed (defect 8)', async () => {
    await requireTool('pandoc', 'pandoc')
    const { importDocument } = await import('../src/import/rst.js')
    const { symlinkSync, readdirSync } = await import('node:fs')
    const ws = workspace()
    const victim = join(ws, 'victim')
    writeFileSync(victim, 'mine\n')
    const planted = `/tmp/docrun-codeblocks-${process.pid}.lua`
    rmSync(planted, { force: true })
    symlinkSync(victim, planted)
    const tmp = join(ws, 'tmp')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(tmp)
    const before = process.env.TMPDIR
    process.env.TMPDIR = tmp
    try {
      const out = await importDocument('Title\n=====\n\nRun::\n\n    echo hi\n', 'doc.rst')
      expect(out).toContain('```sh')
      expect(readFileSync(victim, 'utf8')).toBe('mine\n')
      expect(readdirSync(tmp)).toEqual([])
    } finally {
      if (before === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = before
      rmSync(planted, { force: true })
    }
  })
})
