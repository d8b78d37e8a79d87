// syntax/shell.ts: shell text as plain data, from tree-sitter's bash grammar. Positions are
// 0-based lines and UTF-16 columns of the text; text that is not shell gives positioned
// problems and the commands of the lines around it, never an exception.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isBare, placeIn, programOf, shellParser, type ShellScript } from '../src/syntax/shell.js'

const parse = async (text: string) => (await shellParser())(text)
const names = (s: ShellScript) => s.commands.map((c) => `${c.at.line}:${c.at.column} ${c.name?.literal ?? c.name?.text}`)

describe('shell parser', () => {
  it('flattens lists, pipelines, subshells and substitutions into simple commands, and says which run in a child shell', async () => {
    const s = await parse('cd /x && make | tee log; (cd y); echo $(pwd)\nif true; then cd z; fi\n')
    expect(names(s)).toEqual(['0:0 cd', '0:9 make', '0:16 tee', '0:26 cd', '0:33 echo', '0:40 pwd', '1:3 true', '1:14 cd'])
    expect(s.commands.filter((c) => c.inSubshell).map((c) => c.name?.literal)).toEqual(['make', 'tee', 'cd', 'pwd'])
    expect(s.commands.filter((c) => c.piped).map((c) => c.name?.literal)).toEqual(['tee'])
    expect(s.problems).toEqual([])
  })

  it('reads backslash continuations as one command, with each word where it is written', async () => {
    const s = await parse('sudo apt-get install -y \\\n  bc \\\n  "libssl-dev:s390x" \'q x\'\n')
    expect(s.commands).toHaveLength(1)
    const c = s.commands[0]!
    const words = c.args.map((a) => `${a.at.line}:${a.at.column} ${a.literal}`)
    expect(words).toEqual(['0:5 apt-get', '0:13 install', '0:21 -y', '1:2 bc', '2:2 libssl-dev:s390x', '2:21 q x'])
    expect(programOf(c)).toMatchObject({ name: { literal: 'apt-get' }, via: ['sudo'] })
    expect(c.end.line).toBe(2)
  })

  it('gives no literal to a word that expands, and places characters inside a word that spans lines', async () => {
    const s = await parse('debootstrap --include=" \\\n    iproute2, \\\n    kmod" "$suite" x$HOME\n')
    const [include, suite, home] = s.commands[0]!.args
    expect(suite!.literal).toBeUndefined()
    expect(home!.literal).toBeUndefined()
    expect(include!.literal).toBe('--include=     iproute2,     kmod')
    expect(placeIn(include!, include!.text.indexOf('kmod'))).toEqual({ line: 2, column: 4 })
  })

  it('knows heredocs: the body is no command, a quoted delimiter expands nothing, the rest of the start line is', async () => {
    const s = await parse("cat <<EOF | sudo tee f >/dev/null\nld.lld $A\nEOF\ncat <<-'Q'\n$B\nQ\n")
    expect(names(s)).toEqual(['0:0 cat', '0:12 sudo', '3:0 cat'])
    expect(s.heredocs.map((h) => `${h.delimiter} ${h.quoted} ${JSON.stringify(h.body)}`)).toEqual(['EOF false "ld.lld $A\\n"', 'Q true "$B\\n"'])
    expect(s.expansions.map((e) => e.name)).toEqual(['A'])
    expect(s.commands[1]).toMatchObject({ piped: true, redirects: [{ op: '>', target: { literal: '/dev/null' } }] })
    expect(s.commands[2]!.redirects[0]).toMatchObject({ op: '<<-', heredoc: { delimiter: 'Q' } })
  })

  it("lists what a script expands and what it sets; `${X:-d}` says it has a default; $1 is the shell's own", async () => {
    const s = await parse('export A=1 B; local C; X=2 cmd "$D" ${E:-e} $1; read -r F G; for H in x; do :; done; f() { echo "$I"; }; echo \'$J\'\n')
    expect(s.expansions.map((e) => `${e.name}${e.hasDefault ? ':-' : ''}`)).toEqual(['D', 'E:-', 'I'])
    expect([...s.assigned].sort()).toEqual(['A', 'B', 'C', 'F', 'G', 'H', 'X'])
    expect([...s.functions]).toEqual(['f'])
    expect(s.commands.find((c) => c.name?.literal === 'cmd')!.assignments.map((a) => `${a.name}=${a.value?.literal}`)).toEqual(['X=2'])
  })

  it("counts columns in UTF-16 units, as the runbook's text has them", async () => {
    const s = await parse('# 中文注释\necho "中文" $X # 注释\nls\n')
    expect(s.expansions[0]!.at).toEqual({ line: 1, column: 10 })
    expect(s.comments.map((c) => `${c.at.line}:${c.at.column}`)).toEqual(['0:0', '1:13'])
    expect(names(s)).toEqual(['1:0 echo', '2:0 ls'])
  })

  it('past wrappers to the program; `command -v` runs nothing; a bare chroot is alone with one operand', async () => {
    const s = await parse('sudo -u nobody env X=1 nohup make -C l\ncommand -v pahole\nsudo chroot ./root\nsudo chroot ./root /bin/true\nchroot ./r && ls\n')
    expect(s.commands.map((c) => programOf(c)?.name.literal)).toEqual(['make', undefined, 'chroot', 'chroot', 'chroot', 'ls'])
    expect(s.commands.map((c) => isBare(c, 'chroot'))).toEqual([false, false, true, false, false, false])
  })

  it('text that is not shell: a positioned problem, and the lines around it still read (tolerant)', async () => {
    const s = await parse('sudo apt-get install foo\nRun the build (it takes a while\nmake -j2 "$JOBS"\n')
    expect(s.tolerant).toBe(true)
    expect(s.problems[0]).toEqual({ at: { line: 1, column: 14 }, message: 'cannot read `(` as shell' })
    expect(s.commands.map((c) => programOf(c)?.name.literal)).toContain('apt-get')
    expect(s.commands.map((c) => programOf(c)?.name.literal)).toContain('make')
    expect(s.expansions.map((e) => `${e.name}@${e.at.line}:${e.at.column}`)).toEqual(['JOBS@2:10'])
  })

  it('never throws, and every place it gives is inside the text, for any text', async () => {
    const p = await shellParser()
    const pieces = ['echo ', 'a', '"', "'", '\\', '\n', '$', '{', '}', '(', ')', '|', '&&', ';', '<<EOF\n', 'EOF\n', '# c', '中', ' ']
    const shellish = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join(''))
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), shellish), (text) => {
        const s = p(text)
        const lines = text.split('\n')
        for (const at of [...s.commands.map((c) => c.at), ...s.expansions.map((e) => e.at), ...s.problems.map((x) => x.at)]) {
          expect(at.line).toBeGreaterThanOrEqual(0)
          expect(at.line).toBeLessThan(lines.length)
          expect(at.column).toBeLessThanOrEqual(lines[at.line]!.length)
        }
      }),
      { numRuns: 500 },
    )
  })
})
