// Which steps run with a pseudo-terminal, and its size: the block's `tty` (or, in a Runme README,
// its `interactive`), else its target's front matter setting, else the runbook's, else the
// dialect's (Runme gives every cell a terminal unless `interactive` is false). Pure data.
import type { VFile } from 'vfile'
import { report } from '../runbook/diagnostics.js'
import { DEFAULT_TTY, parseTty } from '../runbook/tty.js'
import type { Block, Runbook, TtySize } from '../runbook/types.js'
import type { Step } from './types.js'

/** Set `step.tty` (or refuse the step) from the block, its target, the runbook and its dialect. */
export function applyTty(runbook: Runbook, block: Block, step: Step, file: VFile): void {
  if (step.action !== 'run') return
  const explicit = block.attrs.tty !== undefined ? parseTty(block.attrs.tty) : undefined
  const runmeCell = runbook.dialect === 'runme' && typeof block.attrs.interactive === 'boolean' ? parseTty(block.attrs.interactive) : undefined
  const chosen = explicit ?? runmeCell
  const size = chosen && 'tty' in chosen ? chosen.tty : inherited(runbook, step)
  if (!size) return
  if (step.target.kind === 'guest') {
    // A guest's blocks run on its console; only an explicit {tty} there is an error, not a runbook-wide default.
    if (explicit) step.refuse = `tty: a guest block runs on the guest's console; docrun gives a pseudo-terminal to host and chroot blocks only`
    return
  }
  // Runme's background cells start outside the shell (no terminal); `{tty background}` is an attribute error.
  if (step.background) return
  step.tty = withRunmeRows(runbook, block, size, file)
}

/** The target's front matter setting, else the runbook's, else the dialect's default. */
function inherited(runbook: Runbook, step: Step): TtySize | false {
  const fm = runbook.frontmatter.tty
  const forTarget = fm?.targets[step.target.name]
  if (forTarget !== undefined) return forTarget
  if (fm?.all !== undefined) return fm.all
  return runbook.dialect === 'runme' ? DEFAULT_TTY : false
}

/** Runme's `terminalRows` sets the terminal's height in a README written for it. */
function withRunmeRows(runbook: Runbook, block: Block, size: TtySize, file: VFile): TtySize {
  const rows = block.attrs.terminalRows
  if (runbook.dialect !== 'runme' || rows === undefined) return size
  const n = Number(rows)
  if (Number.isInteger(n) && n >= 1 && n <= 9999) return { ...size, rows: n }
  report(file, `\`terminalRows\` takes a number of rows, not \`${String(rows)}\``, block.position.start, 'attribute-value', true)
  return size
}
