// Which blocks get a terminal, as the plan says (pure: no process runs): the block's `tty`, the
// front matter's per target and for the runbook, Runme's `interactive`; what is refused or wrong.
import { describe, expect, it } from 'vitest'
import { parseRunbook } from '../src/runbook/parse.js'
import { buildPlan } from '../src/plan/plan.js'
import { TtyCleaner } from '../src/shell/tty-clean.js'

function plan(md: string) {
  const { runbook, file } = parseRunbook(md, '/tmp/doc/README.md')
  const p = buildPlan(runbook, file)
  return { steps: Object.fromEntries(p.steps.map((s) => [s.id, s])), messages: file.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.reason}`) }
}

const block = (attrs: string, body = 'true') => `\`\`\`sh {${attrs}}\n${body}\n\`\`\`\n\n`

describe('the plan of {tty}', () => {
  it('block, target, runbook: the nearest setting wins; sizes are columns x rows', () => {
    const { steps, messages } = plan(
      `---\nchroots: {tc: ./tc}\ntty: {host: 100x30}\n---\n# T\n\n${block('name=a')}${block('name=b tty=false')}${block('name=c tty=132x50')}${block('name=d target=tc')}`,
    )
    expect(messages).toEqual([])
    expect(steps.a!.tty).toEqual({ cols: 100, rows: 30 })
    expect(steps.b!.tty).toBeUndefined()
    expect(steps.c!.tty).toEqual({ cols: 132, rows: 50 })
    expect(steps.d!.tty).toBeUndefined()
    const all = plan(`---\ntty: true\n---\n# T\n\n${block('name=a')}${block('name=f file=x.txt')}`)
    expect(all.steps.a!.tty).toEqual({ cols: 80, rows: 24 })
    expect(all.steps.f!.tty).toBeUndefined()
  })

  it("Runme's cells get 80x24 unless interactive is false; terminalRows sets the rows; background cells get none", () => {
    const { steps } = plan(
      `---\nrunme: {id: X, version: v3}\n---\n\n${block('"name":"a"')}${block('"name":"b","interactive":"false"')}${block('"name":"c","terminalRows":"12"')}${block('"name":"d","background":"true"')}`,
    )
    expect(steps.a!.tty).toEqual({ cols: 80, rows: 24 })
    expect(steps.b!.tty).toBeUndefined()
    expect(steps.c!.tty).toEqual({ cols: 80, rows: 12 })
    expect(steps.d!.tty).toBeUndefined()
  })

  it('a guest block with {tty} is refused with the reason; a runbook-wide tty leaves guest blocks on their console', () => {
    const guest = `${block('name=boot guest=vm', 'qemu-system-s390x -nographic')}`
    const { steps } = plan(`# T\n\n${guest}${block('name=in target=vm tty')}`)
    expect(steps.in!.refuse).toMatch(/^tty: a guest block runs on the guest's console; docrun gives a pseudo-terminal to host and chroot blocks only$/)
    const wide = plan(`---\ntty: true\n---\n# T\n\n${guest}${block('name=in target=vm')}`)
    expect(wide.steps.in!.refuse).toBeUndefined()
    expect(wide.steps.in!.tty).toBeUndefined()
    expect(wide.steps.boot!.tty).toBeUndefined()
  })

  it('bad values and combinations are errors at their place', () => {
    const { messages } = plan(
      `---\nchroots: {tc: ./tc}\ntty: {vm: true, tc: 10x0}\n---\n# T\n\n${block('name=a tty=wide')}${block('name=b tty background')}${block('name=c tty file=x')}`,
    )
    expect(messages).toEqual([
      "3:11 frontmatter-value `tty`: `vm` is not host nor a chroot named in `chroots:` (a guest's blocks run on its console)",
      '3:21 frontmatter-value `tty` of `tc` takes true, false or a size COLUMNSxROWS such as 120x40 (each 1 to 9999), not `10x0`',
      '7:15 attribute-value Attribute `tty` takes true, false or a size COLUMNSxROWS such as 120x40 (each 1 to 9999), not `wide`',
      '11:15 attribute-value `tty` and `background` do not go together: a background block runs without a terminal',
      '15:15 attribute-value `tty` goes on a block that runs; this one writes a file',
    ])
  })
})

describe("a terminal's output, cleaned", () => {
  it('CRLF and escape sequences go; a line rewritten by carriage returns reads as the terminal left it, also across chunks', () => {
    const c = new TtyCleaner({ printk: false, overwrite: true })
    const chunks = ['\x1b[1mGet:1\x1b[0m ok\r\n[ 12.5] not a kernel line\r\n', 'fetch  10%\r', 'fetch  55%\rfe', 'tch 100%\r\nlong line\r\rX\r\n', 'tail']
    const out = chunks.map((x) => c.push(x)).join('') + c.flush()
    expect(out).toBe('Get:1 ok\n[ 12.5] not a kernel line\nfetch 100%\nXong line\ntail')
  })
})
