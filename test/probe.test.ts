// `docrun lint --probe` on both editions of the s390 document: the packages gone from the
// suite the document installs from, and the program that moved to another package, at the
// document's lines, looked up through a private apt state (the host's architectures and package
// lists stay as they are); the mirror runbook, which fixed them, probes clean.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

const DIR = join(FIXTURES, 'import')
// One probe cache for the file: the archive's indexes (about 70 MB) are fetched once.
const CACHE = join(workspace(), 'cache')

describe('docrun lint --probe', () => {
  it.each(['s390.rst', 's390.zh.rst'])(
    'lists the packages %s names that testing no longer has, with their document lines and what provides them now',
    async (doc) => {
      await requireTool('pandoc', 'pandoc')
      await requireTool('apt-get', 'apt')
      const ws = workspace()
      const arches = (await execa('dpkg', ['--print-foreign-architectures'])).stdout
      const lists = readdirSync('/var/lib/apt/lists').sort()
      const r = await docrun(['lint', '--probe', join(DIR, doc)], { cwd: ws, env: { XDG_CACHE_HOME: CACHE }, timeout: 10 * 60_000 })
      expect(r.exitCode, r.all).toBe(0)
      expect(r.stderr).toContain('--probe looked the packages up in http://deb.debian.org/debian testing [amd64, s390x]')
      const probes = r.stderr.split('\n').filter((l) => l.includes(' probe '))
      const text = readFileSync(join(DIR, doc), 'utf8').split('\n')
      // qemu-system-misc no longer carries qemu-system-s390x: the archive's Contents say who does.
      const moved = probes.filter((l) => l.includes('none of the packages this document installs'))
      expect(moved, r.stderr).toHaveLength(1)
      const m =
        /`qemu-system-s390x`: none of the packages this document installs in testing \(amd64\) ships it, nor the base system; qemu-system-s390x does \(document line (\d+): /.exec(
          moved[0]!,
        )
      expect(m, moved[0]).not.toBeNull()
      expect(text[Number(m![1]) - 1]).toMatch(/^\s*qemu-system-s390x \\$/)
      const found = probes
        .filter((l) => !moved.includes(l))
        .map((l) => {
          const m = /`([^`]+)`: no such package in testing \(s390x\)(?:; (.+?) provides? it)? \(document line (\d+): /.exec(l)!
          expect(text[Number(m[3]) - 1]).toContain(m[1])
          return `${m[1]} → ${m[2] ?? 'nothing'}`
        })
      expect(found).toEqual(['isc-dhcp-client → nothing', 'libelf1 → libelf1t64', 'netcat → netcat-openbsd, netcat-traditional'])
      // The host's apt and dpkg are untouched: the probe's apt state is under the cache directory.
      expect((await execa('dpkg', ['--print-foreign-architectures'])).stdout).toBe(arches)
      expect(readdirSync('/var/lib/apt/lists').sort()).toEqual(lists)
      expect(readdirSync(join(CACHE, 'docrun/probe'))).toEqual(['testing-amd64+s390x'])
    },
  )

  it('finds nothing in the mirror runbook, which fixed each of them (its $suite and $mirror params read as set)', async () => {
    const ws = workspace()
    const r = await docrun(['lint', '--probe', join(FIXTURES, '../../runbooks/s390-bpf.md')], { cwd: ws, env: { XDG_CACHE_HOME: CACHE }, timeout: 10 * 60_000 })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stderr).toContain('--probe looked the packages up in http://deb.debian.org/debian testing [amd64, s390x]')
    expect(
      r.stderr.split('\n').filter((l) => l.includes(' probe ')),
      r.stderr,
    ).toEqual([])
  })
})

describe('docrun lint --probe --tree', () => {
  it('checks the paths and selftests targets the document expects against a kernel tree', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    const tree = join(FIXTURES, 'probe-tree/linux')
    const r = await docrun(['lint', '--probe', '--tree', tree, join(DIR, 's390.rst')], { cwd: ws, env: { XDG_CACHE_HOME: CACHE }, timeout: 10 * 60_000 })
    expect(r.exitCode, r.all).toBe(0)
    const text = readFileSync(join(DIR, 's390.rst'), 'utf8').split('\n')
    const at = (what: string) => {
      const l = r.stderr.split('\n').find((x) => x.includes(what))
      expect(l, r.stderr).toBeDefined()
      return text[Number(/\(document line (\d+):/.exec(l!)![1]) - 1]!
    }
    expect(at('`TARGETS=bpf`: tools/testing/selftests/Makefile skips bpf unless told otherwise (`SKIP_TARGETS ?= bpf sched_ext`)')).toContain('TARGETS=bpf')
    expect(at('`linux/arch/s390/boot/compressed/vmlinux`: no such path in the kernel tree')).toContain('-kernel linux/arch/s390/boot/compressed/vmlinux')
    expect(r.stderr).toContain('arch/s390/boot/ has Makefile, bzImage')
  })
})

describe('commandUses', () => {
  it('names the programs a chroot block runs: after separators and keywords, not in heredocs, continued arguments or builtins', async () => {
    const { parseRunbook } = await import('../src/runbook/parse.js')
    const { buildPlan } = await import('../src/plan/plan.js')
    const { commandUses } = await import('../src/lint/probe-commands.js')
    const md = [
      '---',
      'chroots:',
      '  tc: ./root',
      '---',
      '# T',
      '',
      '```sh {target=tc}',
      'sudo -u nobody make -C linux && LANG=C clang --version | head -1',
      'if [ -x "$(command -v pahole)" ]; then gcc \\',
      '  qemu-system-s390x -o x; fi',
      'cat > f <<EOF',
      'ld.lld should not count',
      'EOF',
      'cd /tmp; export X=1; time env FOO=1 nohup dwarves  # a comment: rsync',
      '```',
      '',
      '```sh',
      'on-the-host',
      '```',
      '',
    ].join('\n')
    const { runbook, file } = parseRunbook(md, 't.md')
    const uses = await commandUses(buildPlan(runbook, file))
    expect(uses.map((u) => `${u.line}:${u.column}:${u.name}`)).toEqual(['0:15:make', '0:39:clang', '0:57:head', '1:39:gcc', '3:0:cat', '6:42:dwarves'])
  })
})
