// `undefined-variable`: a `$VAR` that no earlier block on the target, no param and not the
// block itself defines. The parser says what expands: not single quotes, not a quoted heredoc.
import { perBlock, type Rule } from '../rule.js'

const WELL_KNOWN = new Set([
  'PATH',
  'HOME',
  'PWD',
  'OLDPWD',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'LANG',
  'HOSTNAME',
  'UID',
  'EUID',
  'PPID',
  'RANDOM',
  'SECONDS',
  'LINENO',
  'IFS',
  'TMPDIR',
  'DEBIAN_FRONTEND',
  'EDITOR',
  'PS1',
  'OPTARG',
  'OPTIND',
  'REPLY',
  'MAKEFLAGS',
])

export const undefinedVariable: Rule = {
  id: 'undefined-variable',
  defaultSeverity: 'warning',
  description: 'uses a variable that no earlier block, param or the block itself defines',
  check: (context) =>
    perBlock(context, ({ script, defined }) => {
      const seen = new Set<string>()
      return script.expansions.flatMap(({ name, at, hasDefault }) => {
        // `${X:-default}` is written for an X that may be unset.
        const known = defined.has(name) || script.assigned.has(name) || WELL_KNOWN.has(name) || /^(?:LC_|XDG_|BASH|SUDO_)/.test(name)
        if (hasDefault || known || seen.has(name)) return []
        seen.add(name)
        return [{ at, message: `\`$${name}\` is not defined by any earlier block or param on this target` }]
      })
    }),
}
