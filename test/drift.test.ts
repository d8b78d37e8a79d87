// `docrun drift DOC RUNBOOK [--patch]` on both editions of the s390 document and its mirror
// runbooks: what the runbook changed, block by block, and a patch that applies to the document
// and imports back to the mirror's commands.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { VFile } from 'vfile'
import { docrun, FIXTURES, ROOT, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'
import { align, documentBlocks } from '../src/drift/align.js'
import { loadRunbook, parseRunbook } from '../src/runbook/parse.js'
import { buildPlan } from '../src/plan/plan.js'

const DIR = join(FIXTURES, 'import')
const EDITIONS = [
  { doc: 's390.rst', runbook: 'runbooks/s390-bpf.md' },
  { doc: 's390.zh.rst', runbook: 'runbooks/s390-bpf.zh.md' },
]

describe('docrun drift', () => {
  it('lists block by block what the mirror runbook changed, and what exists only in the runbook', async () => {
    await requireTool('pandoc', 'pandoc')
    const r = await docrun(['drift', join(DIR, 's390.rst'), 'runbooks/s390-bpf.md'], { cwd: ROOT })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain('block 2 (s390.rst:38-60) ← prerequisites: changed\n')
    expect(r.stdout).toMatch(/ {4}- {3}qemu-system-misc \\\n(?:.*\n)*? {4}\+ {3}qemu-system-s390x \\\n/)
    expect(r.stdout).toContain('    -     libelf1, \\\n')
    expect(r.stdout).toContain(
      // fresh_root: the boot's disk is the golden base's overlay once the second stage is done.
      'block 7 (s390.rst:132-144) ← boot: changed\n    -   -kernel linux/arch/s390/boot/compressed/vmlinux \\\n' +
        '    -   -drive file=./s390.img,if=virtio,format=raw \\\n    +   -kernel linux/arch/s390/boot/bzImage \\\n    +   -drive "$(root_drive)",if=virtio \\\n',
    )
    expect(r.stdout).toContain('block 8 (s390.rst:150) ← second-stage: as written\n')
    expect(r.stdout).toContain('block 3 (s390.rst:64-75): no runbook block mirrors it\n')
    // Checks and this machine's fixes (the snapshot mirror's apt setting) are not the document's business.
    expect(r.stdout).toMatch(/only in the runbook \(not in a patch\): apt-snapshot, /)
  })

  it.each(EDITIONS)("the --patch for $doc applies (patch --dry-run), and the patched document imports to the mirror's commands", async ({ doc, runbook }) => {
    await requireTool('pandoc', 'pandoc')
    await requireTool('patch', 'patch')
    const ws = workspace()
    copyFileSync(join(DIR, doc), join(ws, doc))
    const p = await docrun(['drift', doc, join(ROOT, runbook), '--patch'], { cwd: ws })
    expect(p.exitCode, p.all).toBe(0)
    expect(p.stdout).toContain(`--- a/${doc}`)
    writeFileSync(join(ws, 'fix.patch'), p.stdout)
    const dry = await execa('patch', ['-p1', '--dry-run', '-i', 'fix.patch'], { cwd: ws, reject: false })
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0)
    await execa('patch', ['-p1', '-i', 'fix.patch'], { cwd: ws })

    // What the runbook proposes for each document block, from the original document.
    const original = readFileSync(join(DIR, doc), 'utf8')
    const before = await docrun(['import', join(DIR, doc)], { cwd: ws })
    const { runbook: rb } = await loadRunbook(join(ROOT, runbook))
    const { aligned } = align(documentBlocks(original, before.stdout), buildPlan(rb, new VFile()))
    // The patched document, imported as a reader would run it.
    const after = await docrun(['import', doc], { cwd: ws })
    expect(after.exitCode, after.all).toBe(0)
    const blocks = parseRunbook(after.stdout, 'patched.md').runbook.blocks
    expect(blocks).toHaveLength(14)
    // The import comments out a trailing bare chroot (it follows the reader in); undo that to compare.
    const asTyped = (s: string) => s.replace(/^# (.*?) {2}# docrun: .*$/gm, '$1')
    for (const a of aligned.filter((x) => x.proposed !== undefined)) expect(asTyped(blocks[a.block.n - 1]!.content)).toBe(a.proposed)
    expect(aligned.filter((a) => a.changed).length).toBeGreaterThanOrEqual(7)

    // And the patched document has no drift left against the runbook.
    const again = await docrun(['drift', doc, join(ROOT, runbook)], { cwd: ws })
    expect(again.stdout).not.toContain(': changed')
  })
})
