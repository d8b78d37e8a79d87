// --from/--to: a section (number, title or slug) or a block by its name (`--from kernel`).
import { describe, expect, it } from 'vitest'
import { buildPlan } from '../../src/plan/plan.js'
import { parseRunbook } from '../../src/runbook/parse.js'

const text = `# Book

## 1. Setup

\`\`\`bash {name=prepare}
:
\`\`\`

## 2. Compilation

\`\`\`bash {name=source}
:
\`\`\`

\`\`\`bash {name=kernel}
:
\`\`\`

\`\`\`bash {name=selftests}
:
\`\`\`

## 3. Tests

\`\`\`bash {name=test}
:
\`\`\`
`

const selected = (selection: { from?: string; to?: string }) => {
  const { runbook, file } = parseRunbook(text)
  return buildPlan(runbook, file, { selection })
    .steps.filter((s) => !s.skip)
    .map((s) => s.id)
}

describe('--from and --to', () => {
  it('take a section', () => {
    expect(selected({ from: '2' })).toEqual(['source', 'kernel', 'selftests', 'test'])
    expect(selected({ to: 'Compilation' })).toEqual(['prepare', 'source', 'kernel', 'selftests'])
  })

  it('take a block by its name, in the middle of a section', () => {
    expect(selected({ from: 'kernel' })).toEqual(['kernel', 'selftests', 'test'])
    expect(selected({ from: 'kernel', to: 'selftests' })).toEqual(['kernel', 'selftests'])
    expect(selected({ from: 'source', to: 'kernel' })).toEqual(['source', 'kernel'])
  })
})
