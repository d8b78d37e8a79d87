// `cd-persists`: a `cd` in the block's own shell (not a subshell, a pipeline or `$(...)`)
// changes the directory of every later block on the target.
import { perBlock, type Rule } from '../rule.js'

const MESSAGE = '`cd` here changes the directory of every later block on this target (use cwd=DIR to run one block elsewhere)'

export const cdPersists: Rule = {
  id: 'cd-persists',
  defaultSeverity: 'info',
  description: 'changes the directory for the blocks after it',
  check: (context) =>
    perBlock(context, ({ step, script }) =>
      step.cwd ? [] : script.commands.filter((c) => c.name?.literal === 'cd' && !c.inSubshell).map((c) => ({ at: c.at, message: MESSAGE })),
    ),
}
