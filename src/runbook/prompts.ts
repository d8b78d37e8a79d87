// `$ `-prompted shell blocks, as READMEs write them and as Runme runs them: when the block
// starts with a prompt, prompted lines are the commands (prompt stripped) and the other lines
// are the output the document shows, which is not run. csh's and zsh's `% ` prompt counts too
// (behave's tutorial writes `% behave`): the block's first prompt says which one it uses, so a
// `$ ` block's output line that starts with `% ` stays output.
export interface LineOrigin {
  /** 0-based line within the block as written. */
  line: number
  /** Characters removed from the start of the line (the prompt). */
  column: number
}

export interface Prompted {
  /** The commands, prompts stripped: what runs. */
  content: string
  /** For each line of `content`, where it came from in the block as written. */
  origins: LineOrigin[]
  /** Lines shown as output in the document (0-based block line and text). */
  output: { line: number; text: string }[]
}

const PROMPTS = { $: /^(\s*)\$(?: |$)/, '%': /^(\s*)%(?: |$)/ }
// A continuation the document marks with PS2 (`> `), after a command ending in `\`.
const PS2 = /^(\s*)> ?/

/** Undefined when the block does not start with a `$ ` (or `% `) prompt (it runs as written). */
export function stripPrompts(text: string): Prompted | undefined {
  const lines = text.split('\n')
  const first = lines.find((l) => l.trim() !== '')
  const sign = first?.trim()[0]
  if (first === undefined || (sign !== '$' && sign !== '%') || !PROMPTS[sign].test(first)) return undefined
  const prompt = PROMPTS[sign]
  const kept: string[] = []
  const origins: LineOrigin[] = []
  const output: { line: number; text: string }[] = []
  let continued = false
  lines.forEach((line, i) => {
    const m = prompt.exec(line)
    if (m) {
      const cut = m[0].length
      kept.push(line.slice(cut))
      origins.push({ line: i, column: cut })
      continued = /\\$/.test(line)
    } else if (continued) {
      // The rest of a command broken with a backslash is part of it, not output.
      const p = PS2.exec(line)
      const cut = p ? p[0].length : 0
      kept.push(line.slice(cut))
      origins.push({ line: i, column: cut })
      continued = /\\$/.test(line)
    } else if (line.trim() !== '') output.push({ line: i, text: line })
  })
  return { content: kept.join('\n'), origins, output }
}
