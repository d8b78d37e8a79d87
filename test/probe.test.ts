// `docrun lint --probe` on both editions of the s390 document: the packages gone from the
// suite the document installs from, at the document's lines, looked up through a private apt
// state (the host's architectures and package lists stay as they are).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

const DIR = join(FIXTURES, 'import')

describe('docrun lint --probe', () => {
  it.each(['s390.rst', 's390.zh.rst'])('lists the packages %s names that testing no longer has, with their document lines and what provides them now', async (doc) => {
    await requireTool('pandoc', 'pandoc')
    await requireTool('apt-get', 'apt')
    const ws = workspace()
    const arches = (await execa('dpkg', ['--print-foreign-architectures'])).stdout
    const lists = readdirSync('/var/lib/apt/lists').sort()
    const r = await docrun(['lint', '--probe', join(DIR, doc)], { cwd: ws, env: { XDG_CACHE_HOME: join(ws, 'cache') }, timeout: 10 * 60_000 })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stderr).toContain('--probe looked the packages up in http://deb.debian.org/debian testing [amd64, s390x]')
    const probes = r.stderr.split('\n').filter((l) => l.includes(' probe '))
    const text = readFileSync(join(DIR, doc), 'utf8').split('\n')
    const found = probes.map((l) => {
      const m = /`([^`]+)`: no such package in testing \(s390x\)(?:; (.+?) provides? it)? \(document line (\d+): /.exec(l)!
      expect(text[Number(m[3]) - 1]).toContain(m[1])
      return `${m[1]} → ${m[2] ?? 'nothing'}`
    })
    expect(found).toEqual(['isc-dhcp-client → nothing', 'libelf1 → libelf1t64', 'netcat → netcat-openbsd, netcat-traditional'])
    // The host's apt and dpkg are untouched: the probe's apt state is under the cache directory.
    expect((await execa('dpkg', ['--print-foreign-architectures'])).stdout).toBe(arches)
    expect(readdirSync('/var/lib/apt/lists').sort()).toEqual(lists)
    expect(readdirSync(join(ws, 'cache/docrun/probe'))).toEqual(['testing-amd64+s390x'])
  })
})

describe('docrun lint --probe --tree', () => {
  it('checks the paths and selftests targets the document expects against a kernel tree', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    const tree = join(FIXTURES, 'probe-tree/linux')
    const r = await docrun(['lint', '--probe', '--tree', tree, join(DIR, 's390.rst')], { cwd: ws, env: { XDG_CACHE_HOME: join(ws, 'cache') }, timeout: 10 * 60_000 })
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
