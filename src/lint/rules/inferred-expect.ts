// `inferred-expect`: an `{expect}` block the import made from the document's prose ("you should
// see the following:"). It is the document's claim about the output, read by docrun: a person
// should look at it once. The import lists such blocks by their document block (`mirrors=N`)
// in the front matter's `inferred-expect:`.
import type { Rule } from '../rule.js'

export const inferredExpect: Rule = {
  id: 'inferred-expect',
  defaultSeverity: 'info',
  description: 'an {expect} block the import inferred from the prose ("you should see")',
  check: ({ runbook }) => {
    const listed = runbook?.frontmatter.extra['inferred-expect']
    if (!runbook || !Array.isArray(listed)) return []
    const inferred = new Set(listed.map(Number))
    return runbook.blocks
      .filter((b) => b.attrs.expect === true && inferred.has(Number(b.attrs.mirrors)))
      .map((b) => ({
        place: { line: b.position.start.line, column: b.position.start.column },
        message:
          `expected output inferred from the document's prose (its block ${String(b.attrs.mirrors)}): the run checks it as \`{expect}\`; ` +
          'review it, or import with `--no-infer-expect` to keep it as text',
      }))
  },
}
