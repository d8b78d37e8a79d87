import { describe, expect, it } from 'vitest'
import { parseMeta, validateAttrs } from '../src/runbook/attributes.js'
import { parseDuration } from '../src/common/durations.js'
import { parseRunbook, hasErrors } from '../src/runbook/parse.js'

describe('info-string attributes', () => {
  it('reads key=value, quoted values, bare flags and Runme JSON', () => {
    expect(parseMeta('{name=toolchain target=host timeout=30m}').attrs).toEqual({ name: 'toolchain', target: 'host', timeout: '30m' })
    expect(parseMeta(`{name="a b" file='x y' append errexit=false}`).attrs).toEqual({ name: 'a b', file: 'x y', append: true, errexit: false })
    expect(parseMeta('{"name":"set-env","excludeFromRunAll":true}').attrs).toEqual({ name: 'set-env', excludeFromRunAll: true })
    expect(parseMeta('{name=a, skip}').attrs).toEqual({ name: 'a', skip: true })
  })

  it('reports problems with offsets', () => {
    const m = parseMeta('{name=a name=b}')
    expect(m.problems[0]).toMatchObject({ ruleId: 'attribute-duplicate', offset: 8 })
    expect(parseMeta('{name="open}').problems[0]!.ruleId).toBe('attribute-syntax')
    expect(parseMeta('title=x').problems[0]!.ruleId).toBe('attribute-syntax')
    expect(parseMeta('{"name": }').problems[0]!.ruleId).toBe('attribute-syntax')
  })

  it('validates against the schema', () => {
    const { attrs, problems } = validateAttrs({ timeout: '1h30m', errexit: 'no', capture: 'LOOP', file: 'x', append: true }, {})
    expect(problems).toEqual([])
    expect(attrs).toEqual({ timeout: 5_400_000, errexit: false, capture: 'LOOP', file: 'x', append: true })
    expect(validateAttrs({ capture: '1x' }, {}).problems[0]!.message).toContain('shell variable name')
    expect(validateAttrs({ append: true }, {}).problems[0]!.message).toContain('only makes sense with')
    expect(validateAttrs({ bogus: 1 }, {}).problems[0]!.ruleId).toBe('attribute-unknown')
  })

  it('parses durations', () => {
    expect(parseDuration('90')).toBe(90_000)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('soon')).toBeUndefined()
    expect(parseDuration('5m junk')).toBeUndefined()
  })
})

describe('runbook parser', () => {
  it('numbers sections as the document does and gives stable ids', () => {
    const { runbook, file } = parseRunbook(
      '# T\n\n## 2. 一次性设置\n\n```sh\necho a\n```\n\n```bash\necho b\n```\n\n### 4.1 Sub\n\n```sh {name=x}\necho c\n```\n',
    )
    expect(hasErrors(file)).toBe(false)
    expect(runbook.sections.map((s) => [s.number, s.title, s.id])).toEqual([
      [undefined, 'T', 't'],
      ['2', '一次性设置', '2-一次性设置'],
      ['4.1', 'Sub', '41-sub'],
    ])
    expect(runbook.blocks.map((b) => b.id)).toEqual(['2-一次性设置-1', '2-一次性设置-2', 'x'])
  })

  it('reports front matter errors at their runbook line', () => {
    const { file } = parseRunbook('---\ntitle: x\nparams:\n  bad-name: 1\n  ok: {default: a, choices: [b]}\n---\n# T\n')
    const msgs = file.messages.map((m) => `${m.line}:${m.ruleId}`)
    expect(msgs).toContain('4:param-name')
    expect(msgs).toContain('5:param-value')
  })

  it('changes a block hash when its content or attributes change, not when prose does', () => {
    const a = parseRunbook('# T\n\n```sh\necho a\n```\n').runbook.blocks[0]!.hash
    const b = parseRunbook('# T\n\nProse.\n\n```sh\necho a\n```\n').runbook.blocks[0]!.hash
    const c = parseRunbook('# T\n\n```sh {timeout=5s}\necho a\n```\n').runbook.blocks[0]!.hash
    expect(a).toBe(b)
    expect(a).not.toBe(c)
  })
})
