// `network`: commands that need the network — git clone, apt-get update/install, dhclient,
// curl, wget, pip install, debootstrap.
import { programOf, type ShellWord } from '../../syntax/shell.js'
import { perBlock, type Rule } from '../rule.js'

/** Programs that need the network whatever their arguments. */
const ALWAYS = new Set(['dhclient', 'curl', 'wget', 'debootstrap'])
/** Programs that need it for these subcommands. */
const SUBCOMMANDS: Record<string, Set<string>> = {
  git: new Set(['clone']),
  apt: new Set(['update', 'install', 'download', 'upgrade']),
  'apt-get': new Set(['update', 'install', 'download', 'upgrade']),
  pip: new Set(['install']),
  pip3: new Set(['install']),
}

export const network: Rule = {
  id: 'network',
  defaultSeverity: 'info',
  description: 'needs the network (git clone, apt-get, dhclient, curl, wget, debootstrap)',
  check: (context) =>
    perBlock(context, ({ script }) =>
      script.commands.flatMap((cmd) => {
        let p = programOf(cmd)
        // `apt_s390x apt-get update`: a function of the block's that runs its arguments.
        if (p && script.functions.has(p.name.literal ?? '') && p.args.length) p = { name: p.args[0]!, args: p.args.slice(1), via: [] }
        return p ? needs(p.name, p.args) : []
      }),
    ),
}

function needs(program: ShellWord, args: ShellWord[]): { at: ShellWord['at']; message: string }[] {
  const name = program.literal ?? ''
  if (ALWAYS.has(name)) return [{ at: program.at, message: `\`${name}\` needs the network` }]
  const sub = args.find((a) => !a.text.startsWith('-'))?.literal
  if (sub && SUBCOMMANDS[name]?.has(sub)) return [{ at: program.at, message: `\`${name} ${sub}\` needs the network` }]
  return []
}
