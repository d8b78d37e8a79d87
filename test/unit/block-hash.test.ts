// A block's hash is what --resume compares to decide that a done block was edited. Attributes
// that say how docrun stores or recognises a block's work (cache, cache-after, done-if) are not
// an edit: adding one to a long runbook must not make the whole run go again.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseRunbook } from '../../src/runbook/parse.js'
import { FIXTURES } from '../helpers/cli.js'

const hashOf = (attrs: string, body = 'make -j2') =>
  parseRunbook(`# S\n\n\`\`\`sh {name=b${attrs}}\n${body}\n\`\`\`\n\n\`\`\`sh {name=later}\ntrue\n\`\`\`\n`, 'rb.md').runbook.blocks[0]!.hash

describe('block hashes', () => {
  it.each([' cache=out', ' cache=out cache-after=later', ' done-if="test -e out"', ' mirrors=3'])('%s is not an edit', (attrs) => {
    expect(hashOf(attrs)).toBe(hashOf(''))
  })
  it.each([' cwd=linux', ' timeout=5m', ' target=chroot'])('%s is an edit', (attrs) => {
    expect(hashOf(attrs)).not.toBe(hashOf(''))
  })
  it('the text is an edit', () => {
    expect(hashOf('', 'make -j1')).not.toBe(hashOf(''))
  })
})

describe('hashes under earlier rules', () => {
  it("a block's former hashes hold the ones docrun at 8efe456 recorded, before cache and done-if became inert", () => {
    const dir = join(FIXTURES, 'upgrade')
    const recorded = (JSON.parse(readFileSync(join(dir, 'hashes-8efe456.json'), 'utf8')) as { hashes: Record<string, string> }).hashes
    const blocks = parseRunbook(readFileSync(join(dir, 'upgrade.md'), 'utf8'), 'upgrade.md').runbook.blocks
    const byName = new Map(blocks.map((b) => [b.name, b]))
    expect(byName.get('once')!.formerHashes).toContain(recorded.once)
    expect(byName.get('stored')!.formerHashes).toContain(recorded.stored)
    // A block without attributes made inert since has one hash, the same then and now.
    expect(byName.get('last')!.formerHashes).toBeUndefined()
    expect(byName.get('last')!.hash).toBe(recorded.last)
  })
})
