// `sudo`: runs as root, or through a sudo that must not ask for a password. Once per block:
// the first use says it for all.
import { programOf } from '../../syntax/shell.js'
import { perBlock, type Rule } from '../rule.js'

export const sudo: Rule = {
  id: 'sudo',
  defaultSeverity: 'info',
  description: 'uses sudo: runs as root, or through a sudo that must not ask for a password',
  check: (context) =>
    perBlock(context, ({ script }) => {
      // `sudo make`, `env X=1 sudo make`: sudo among the wrappers before the program, not `echo sudo`.
      const cmd = script.commands.find((c) => programOf(c)?.via.includes('sudo'))
      const word = cmd && [cmd.name, ...cmd.args].find((w) => w?.literal === 'sudo')
      return word ? [{ at: word.at, message: '`sudo`: docrun runs it as is when root (no sudo needed) and never answers a password prompt' }] : []
    }),
}
