// Fuzzing the runbook and attribute parsers (fast-check): random and mutated Markdown never
// crashes them; every input gives a runbook, and every problem is a positioned diagnostic.
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseMeta, validateAttrs } from '../src/runbook/attributes.js'
import { parseRunbook } from '../src/runbook/parse.js'
import { buildPlan } from '../src/plan/plan.js'
import { ROOT } from './helpers/cli.js'

const seeds = ['runbooks/quickstart.md', 'runbooks/s390-bpf.md', 'runbooks/s390-bpf.zh.md', 'runbooks/host-basics.md'].map((p) =>
  readFileSync(join(ROOT, p), 'utf8'),
)

// Pieces runbooks are made of, for structure-aware generation.
const piece = fc.oneof(
  fc.constantFrom(
    '---\n',
    'params:\n',
    '  A: 1\n',
    'chroots: {t: ./x}\n',
    '# T\n',
    '## 2. S\n',
    '### 4.1 子节\n',
    '```sh\n',
    '```\n',
    '~~~\n',
    '```text {expect}\n',
    '```sh {check}\n',
  ),
  fc.constantFrom(
    '```sh {name=a target=vm}\n',
    '```sh {guest=vm timeout=1x}\n',
    '```sh {"name":"j","excludeFromRunAll":true}\n',
    '```sh {name="q x\n',
    '```sh {interactive alt=zz}\n',
    '{file=../x append}\n',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => `${s}\n`),
)

function assertWellFormed(text: string) {
  const { runbook, file } = parseRunbook(text, 'fuzz.md')
  expect(Array.isArray(runbook.blocks)).toBe(true)
  try {
    buildPlan(runbook, file)
  } catch (error) {
    // Only selection/param problems throw, never the document itself.
    throw new Error(`buildPlan threw on a document: ${(error as Error).message}`)
  }
  for (const m of file.messages) {
    expect(m.ruleId, m.message).toBeTruthy()
    expect(m.line, m.message).toBeGreaterThan(0)
    expect(m.column, m.message).toBeGreaterThan(0)
  }
}

describe('fuzz', () => {
  it('random runbook-shaped documents parse to a runbook or positioned diagnostics', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => assertWellFormed(parts.join(''))),
      { numRuns: 400 },
    )
  })

  it('mutated real runbooks (cut, duplicated, spliced) never crash the parser', () => {
    const mutated = fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(), fc.string({ maxLength: 30 })).map(([s, a, b, ins]) => {
      const i = a % (s.length + 1)
      const j = b % (s.length + 1)
      return s.slice(0, Math.min(i, j)) + ins + s.slice(Math.max(i, j)) + s.slice(Math.min(i, j), Math.max(i, j))
    })
    fc.assert(fc.property(mutated, assertWellFormed), { numRuns: 200 })
  })

  it('the attribute parser returns attributes or problems with offsets inside the string, for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.string({ maxLength: 60 }).map((s) => `{${s}}`),
        ),
        (meta) => {
          const parsed = parseMeta(meta)
          const checked = validateAttrs(parsed.attrs, parsed.offsets)
          for (const p of [...parsed.problems, ...checked.problems]) {
            expect(p.ruleId).toBeTruthy()
            if (p.offset !== undefined) {
              expect(p.offset).toBeGreaterThanOrEqual(0)
              expect(p.offset).toBeLessThanOrEqual(meta.length)
            }
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})
