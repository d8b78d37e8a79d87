// `interactive`: what waits for a person at a terminal — menuconfig, an editor, a bare
// `chroot DIR` or `ssh HOST`, QEMU in the foreground. `docrun run` refuses such blocks too.
import { isBare, programOf, type SimpleCommand } from '../../syntax/shell.js'
import { perBlock, type Rule, type ShellBlock } from '../rule.js'

const MENU = 'waits for a person: mark the block {interactive alt=BLOCK} with a non-interactive alternative (e.g. olddefconfig with a config fragment)'
const BARE_CHROOT =
  'a bare `chroot DIR` opens a shell for a person and, fed no input, returns at once: give the following blocks `target=chroot root=DIR` instead'
const QEMU = 'runs in the foreground and waits on its console: mark the block {guest=NAME} so docrun starts it and runs the following blocks inside'
const MENUS = new Set(['menuconfig', 'nconfig', 'xconfig', 'gconfig'])
const EDITORS = new Set(['vi', 'vim', 'nano', 'emacs', 'ed'])
/** A VM that only answers and exits: `--version`, `-cpu help`, or one that daemonizes. */
const QEMU_RETURNS = new Set(['--version', '-version', '--help', '-help', '-daemonize', '--daemonize', 'help', '?'])

/** stdin from a file (`</dev/null`): nobody types on its console; it runs until its guest powers off, within the block's timeout. */
const readsNoTerminal = (cmd: SimpleCommand) => cmd.redirects.some((r) => r.op === '<' && (r.fd === undefined || r.fd === '0'))

function findings(block: ShellBlock): { at: SimpleCommand['at']; message: string }[] {
  const { step, script } = block
  if (step.attrs.interactive === true) return []
  const out: { at: SimpleCommand['at']; message: string }[] = []
  for (const cmd of script.commands) {
    for (const w of [cmd.name, ...cmd.args]) {
      if (w && MENUS.has(w.literal ?? '')) out.push({ at: w.at, message: `\`${w.literal}\` ${MENU}` })
    }
    const p = programOf(cmd)
    const name = p?.name.literal ?? ''
    if (EDITORS.has(name)) out.push({ at: cmd.at, message: 'an editor waits for a person: write the file with a `{file=PATH}` block instead' })
    if (isBare(cmd, 'chroot')) out.push({ at: cmd.at, message: BARE_CHROOT })
    if (isBare(cmd, 'ssh')) out.push({ at: cmd.at, message: 'a bare `ssh HOST` opens a shell for a person: give it the command to run' })
    // A VM that runs (not `--version`, `-cpu help`, daemonized, or fed no terminal) holds the block on its console.
    if (
      !step.boot &&
      step.action === 'run' &&
      /^qemu-system-[\w-]+$/.test(name) &&
      !p!.args.some((a) => QEMU_RETURNS.has(a.literal ?? '')) &&
      !readsNoTerminal(cmd)
    ) {
      out.push({ at: cmd.at, message: `\`${name}\` ${QEMU}` })
    }
  }
  return out.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
}

export const interactive: Rule = {
  id: 'interactive',
  defaultSeverity: 'warning',
  description: 'needs a person at a terminal: menuconfig, an editor, a bare chroot or ssh, QEMU in the foreground',
  check: (context) => perBlock(context, findings),
}
