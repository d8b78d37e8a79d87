// `placeholder`: text the reader is meant to replace — `/dev/loopX`, `<name>`, `X.Y`,
// `YOUR_TOKEN`. A pattern of the text (a `<name>` is no shell word), outside comments.
import { perBlock, type Rule } from '../rule.js'

const PLACEHOLDER = /\/dev\/loop[xX]\b|(?<![<\w])<[A-Za-z][\w .-]*>(?!>)|\b[xX]\.[yY](?:\.[zZ])?\b|\bYOUR_[A-Z_]+\b/g

const WHY = 'is a placeholder the reader fills in: docrun cannot (capture the value, e.g. `LOOP=$(losetup -f --show IMG)`, or make it a param)'

export const placeholder: Rule = {
  id: 'placeholder',
  defaultSeverity: 'warning',
  description: 'a placeholder the reader is meant to fill in (/dev/loopX, <name>, X.Y)',
  check: (context) =>
    perBlock(context, ({ script }) => {
      const lines = script.text.split('\n')
      // Comments say what they like: blank them out.
      for (const c of script.comments) {
        if (c.at.line !== c.end.line) continue
        const l = lines[c.at.line]!
        lines[c.at.line] = l.slice(0, c.at.column) + ' '.repeat(c.end.column - c.at.column) + l.slice(c.end.column)
      }
      return lines.flatMap((text, line) =>
        [...text.matchAll(PLACEHOLDER)].map((m) => ({
          at: { line, column: m.index },
          message: `\`${m[0]}\` ${WHY}`,
        })),
      )
    }),
}
