// A block's hash is what --resume compares to decide that a done block was edited. Attributes
// that say how docrun stores or recognises a block's work (cache, cache-after, done-if) are not
// an edit: adding one to a long runbook must not make the whole run go again.
import { describe, expect, it } from 'vitest'
import { parseRunbook } from '../../src/runbook/parse.js'

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
