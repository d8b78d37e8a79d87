// `shell-syntax`: what the shell parser could not read. Such a block is read line by line
// (the lines it can read still get the other rules' findings); bash may refuse it whole.
import { perBlock, type Rule } from '../rule.js'

export const shellSyntax: Rule = {
  id: 'shell-syntax',
  defaultSeverity: 'warning',
  description: 'shell the parser cannot read (a typo, or prose in a shell block)',
  // The first problem says it for the block: one error often hides the parser's view of the rest.
  check: (context) =>
    perBlock(context, ({ script }) => script.problems.slice(0, 1).map((p) => ({ at: p.at, message: `${p.message}: bash may not run this block` }))),
}
