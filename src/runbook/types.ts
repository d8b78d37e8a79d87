// The document model: what a runbook says, with positions. Pure data, no processes.

export interface Point {
  line: number
  column: number
  offset?: number
}
export interface Span {
  start: Point
  end: Point
}

export interface Section {
  /** Stable id: the GitHub-style slug of the heading text (deduplicated). */
  id: string
  /** The number the document gives the heading ("2", "4.1"), if any. */
  number?: string
  /** Heading text without its number. */
  title: string
  /** Heading text as written. */
  heading: string
  depth: number
  parent?: string
  position: Span
}

/** A pseudo-terminal's size (`{tty=120x40}`: 120 columns, 40 rows). */
export interface TtySize {
  cols: number
  rows: number
}

export type AttrValue = string | number | boolean
export type Attrs = Record<string, AttrValue>

export interface Block {
  /** The `name` attribute, else `<section id>-<n>` (n counts the section's blocks from 1). */
  id: string
  name?: string
  /** Info-string language ('' when the fence has none). */
  lang: string
  /** `shell` blocks run; `data` blocks only act through `file=`. */
  kind: 'shell' | 'data'
  content: string
  attrs: Attrs
  /** Section id the block sits in ('' before the first heading). */
  section: string
  /** 0-based position among all fenced blocks of the document. */
  index: number
  position: Span
  /** sha256 over language, attributes and content: an edit to any of them invalidates the block. */
  hash: string
  /** Its hash under earlier docruns' rules where that differs (an attribute made inert since): a state recorded then still matches. */
  formerHashes?: string[]
  /** Runs through this program (content on its stdin) instead of the shell: Runme's `interpreter`. */
  interpreter?: string
  /**
   * The block was written with `$ ` prompts: `content` holds the commands only. For each line
   * of `content`, where it is in the block as written; and the output lines the document shows.
   */
  prompted?: { origins: { line: number; column: number }[]; output: { line: number; text: string }[] }
}

export interface ParamDecl {
  name: string
  default: string
  description?: string
  secret?: boolean
  choices?: string[]
  /** The value is a path docrun itself may write to; it must stay inside the workspace. */
  path?: boolean
  /** Declared without a default: a run needs `--set NAME=VALUE`. */
  required?: boolean
  /** The front matter line that declares a required param (where a refusal points). */
  line?: number
}

/** Front matter `matrix:`: the param sets a runbook runs with, as CI systems spell them. */
export interface MatrixSpec {
  /** Param → its values, in the order written (the first axis varies slowest, as in GitHub Actions). */
  axes: { name: string; values: string[] }[]
  /** Extra entries, or extra keys for the combinations they match (GitHub Actions' `include`). */
  include: Record<string, string>[]
  /** Partial combinations to leave out (GitHub Actions' `exclude`). */
  exclude: Record<string, string>[]
}

/** A remote machine (front matter `hosts:`): how ssh reaches it. */
export interface HostDecl {
  /** `user@host`, `host`, or a Host entry of ~/.ssh/config. */
  ssh: string
  port?: number
  /** A private key file. */
  identity?: string
  /** ssh `-o` options, as ssh spells them. */
  options?: Record<string, string>
}

export interface FrontMatter {
  title?: string
  params: ParamDecl[]
  /** `matrix:`: several runs of the runbook with different params (docrun matrix). */
  matrix?: MatrixSpec
  /** Language given to fences without one (documents converted from reStructuredText have none). */
  defaultLang?: string
  /** Default per-block timeout in ms. */
  timeoutMs?: number
  /** Path of the TypeScript checks module, relative to the runbook. */
  checks?: string
  /** Named chroots: `chroots: {toolchain: ./s390-toolchain}`. */
  chroots: Record<string, string>
  /** Remote machines over SSH: `hosts: {z: {ssh: user@host, port: 22, identity: ~/.ssh/id_ed25519, options: {…}}}`. */
  hosts?: Record<string, HostDecl>
  /** `dialect: runme|docrun`, when the document says which it is. */
  dialect?: string
  /** Runme's `runme: {id, version}`: the document was written for Runme. */
  runme?: Record<string, unknown>
  /** Runme's `shell`: the host shell blocks run in (bash or sh here). */
  shell?: string
  /** Runme's `cwd`: where host blocks start, relative to the document's directory. */
  cwd?: string
  /** Regular expressions for output that differs between identical runs (masked in recorded {expect} blocks). */
  volatile: string[]
  /** Kernel reports (splats) a run expects on its guests' consoles, each with why. */
  allowSplats?: { pattern: string; reason: string }[]
  /** Test failures a run expects: DENYLIST files (paths, $params expanded) and names. */
  knownFailures?: { lists: string[]; tests: string[] }
  /** `tty:`: blocks run with a pseudo-terminal, all of them (`all`) or per target name; false turns it off. */
  tty?: { all?: TtySize | false; targets: Record<string, TtySize | false> }
  /** Runme's `skipPrompts`: docrun never prompts, so this only quiets lint. */
  skipPrompts?: boolean
  /** Everything else, kept for other tools (runme, lint severities, ...). */
  extra: Record<string, unknown>
}

export interface Runbook {
  path: string
  /** `runme` when the document is written for Runme (its front matter, JSON attributes). */
  dialect: 'docrun' | 'runme'
  /** sha256 of the runbook's bytes. */
  sha256: string
  frontmatter: FrontMatter
  sections: Section[]
  blocks: Block[]
}
