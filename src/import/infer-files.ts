// Files the prose asks for. "Create a file `drivers/misc/example.h`, which includes:", "Add the
// following lines to `drivers/misc/Kconfig`:", "save it as `test.sh`:" (in Chinese "创建文件…",
// "添加到…", "保存为…") before a literal block: its reader writes the block to that file. The
// import makes it `{file=PATH}` (`{file=PATH append}` for "add to" / "append to"), with a comment
// saying why. "add:: … to ~/.gdbinit." names the file after the block: that counts too.
import type { Block } from '../runbook/types.js'
import { LineEdits, Reading, withAttrs, withLang, type ProseBlock } from './prose.js'

/** A file's path as documents write it: in backticks or quotes, or a word with a slash or an extension. */
const PATH = String.raw`(\x60[^\x60\s]+\x60|"[^"\s]+"|“[^”\s]+”|~\/[\w.+\/-]+|\.{0,2}\/?[\w.+-]+(?:\/[\w.+-]+)+\/?|[\w+-]+\.[A-Za-z]\w*)`

interface Pattern {
  re: RegExp
  append: boolean
}

/** In the sentence that introduces the block (its last clause). */
const LEAD: Pattern[] = [
  {
    re: new RegExp(
      String.raw`\b(?:create|write|edit|open)\s+(?:(?:a|an|the|new|following|this)\s+)*(?:[\w-]+\s+)?(?:file|script)?\s*(?:called\s+|named\s+)?${PATH}`,
      'i',
    ),
    append: false,
  },
  { re: new RegExp(String.raw`\b(?:add|append)\b.*?\b(?:to|into|in|at the end of)\s+(?:the\s+)?(?:end of\s+)?(?:file\s+)?${PATH}`, 'i'), append: true },
  { re: new RegExp(String.raw`\bsave\b.*?\b(?:as|to|in|into)\s+(?:the\s+)?(?:file\s+)?${PATH}`, 'i'), append: false },
  { re: new RegExp(String.raw`(?:创建|新建|编写)(?:一个)?(?:名为)?(?:文件)?\s*${PATH}`, 'u'), append: false },
  { re: new RegExp(String.raw`(?:添加|追加|加入)到\s*(?:文件)?\s*${PATH}|在\s*${PATH}\s*(?:文件)?(?:中|里|末尾)(?:添加|加入|追加)`, 'u'), append: true },
  { re: new RegExp(String.raw`(?:保存为|保存到|写入)\s*(?:文件)?\s*${PATH}`, 'u'), append: false },
]

/** "… add:" before the block and "to PATH" after it (请将:: … 添加到PATH). */
const SPLIT_LEAD = /(?:\b(?:add|append)(?:\s+(?:the\s+)?(?:following|this|these lines|this line|the line))?|请将|将|把)\s*[:：]$/iu
const SPLIT_TAIL = new RegExp(String.raw`^(?:to\s+(?:the\s+)?(?:end of\s+)?(?:file\s+)?|(?:添加|追加|加入)到\s*)${PATH}`, 'iu')

/** Words that say the block is run, not written ("To create `foo.img`, run:"). */
const RUNS = /\b(?:run|runs|running|type|execute|command|commands|invoke)\b|运行|执行|命令/iu

/** What makes a create clause about a file's content, not a command that makes one. */
const CONTENT = /\b(?:file|script|with the following|containing|contents?|which includes|includes)\b|文件|内容/iu

export interface FileBlock {
  index: number
  path: string
  append: boolean
  /** The words that asked for it. */
  words: string
  /** The block's language before the import set it aside (shell blocks are hidden from the other inferences). */
  lang: string
}

/** The path as a `file=` value takes it, or undefined when it is none docrun can write as written. */
function usablePath(raw: string): string | undefined {
  const path = raw.replace(/^[`"“]|[`"”]$/g, '').replace(/[.,;:]+$/, '')
  if (!path || /:\/\/|[$*<>?{}'"\\]|\/$/.test(path) || /^-/.test(path)) return undefined
  return path
}

/** "In that directory create a file called …" names the directory in a sentence before. */
const IN_THAT_DIRECTORY = /\bin (?:that|this|the new|the same) (?:directory|folder)\b/i
const DIRECTORY_MADE = new RegExp(String.raw`\b(?:make|create)\s+(?:a\s+)?(?:new\s+)?(?:directory|folder)\s+(?:called\s+|named\s+)?${PATH}`, 'gi')

/** The file's path with the directory the paragraph made before ("make a directory called "features""), when the clause is in it. */
function inDirectory(lead: string, clause: string, path: string): string {
  if (!IN_THAT_DIRECTORY.test(clause) || path.startsWith('/') || path.startsWith('~')) return path
  const made = [...lead.slice(0, lead.lastIndexOf(clause)).matchAll(DIRECTORY_MADE)].at(-1)?.[1]
  const dir = made && usablePath(made)
  return dir ? `${dir.replace(/\/+$/, '')}/${path}` : path
}

function clauseOf(lead: string): string {
  const sentences = lead.split(/(?<=[.!?])\s+|(?<=[。！？])/u).filter((s) => s.trim())
  return sentences.at(-1) ?? ''
}

/** What the prose around `p` asks to be written to a file, if it does. */
export function fileAsked(p: Pick<ProseBlock, 'lead' | 'tail'>): { path: string; append: boolean; words: string } | undefined {
  const clause = clauseOf(p.lead)
  // "To create `foo.img`, run:" runs; "如果gdb报告…（相关命令找不到），请将:" does not: what the clause ends with decides.
  if (!/[:：]\s*$/u.test(clause) || RUNS.test(clause.split(/[,，；]/u).at(-1)!)) return undefined
  for (const pat of LEAD) {
    const m = pat.re.exec(clause)
    const raw = m?.slice(1).find((g) => g !== undefined)
    const path = raw && usablePath(raw)
    if (m && path && (pat.append || CONTENT.test(clause))) return { path: inDirectory(p.lead, clause, path), append: pat.append, words: m[0] }
  }
  if (SPLIT_LEAD.test(clause)) {
    const m = SPLIT_TAIL.exec(p.tail)
    const path = m?.[1] && usablePath(m[1])
    if (m && path) return { path, append: true, words: `${clause} … ${m[0]}` }
  }
  return undefined
}

/** Before the other inferences: the blocks the prose asks to be files; shell ones are set aside as text for the while. */
export function findFiles(markdown: string, taken: Set<number>, reading = new Reading()): { text: string; found: FileBlock[] } {
  const edits = new LineEdits(markdown)
  const found: FileBlock[] = []
  for (const p of reading.blocks(markdown)) {
    const b: Block = p.block
    if (taken.has(b.index) || Object.keys(b.attrs).length || !b.content.trim() || b.prompted) continue
    const asked = fileAsked(p)
    if (!asked) continue
    found.push({ index: b.index, ...asked, lang: b.lang })
    if (b.kind === 'shell') edits.set(p.open, withLang(edits.line(p.open), 'text'))
  }
  return { text: edits.text(), found }
}

/** Where the reader is at a block: where the next command block runs (the import's targets are inferred by then). */
function targetAt(blocks: ProseBlock[], index: number): string | undefined {
  const next = blocks
    .slice(index + 1)
    .find((q) => q.block.kind === 'shell' && !q.block.attrs.expect && !q.block.attrs.check && q.block.attrs.file === undefined)
  const t = next?.block.attrs.target
  return typeof t === 'string' && t !== 'host' ? t : undefined
}

/** After the other inferences: the found blocks become `{file=PATH}` blocks, each with a comment saying why. */
export function markFiles(markdown: string, found: FileBlock[], reading = new Reading()): string {
  if (!found.length) return markdown
  const blocks = reading.blocks(markdown)
  const edits = new LineEdits(markdown)
  for (const f of found) {
    const p = blocks[f.index]!
    const target = targetAt(blocks, f.index)
    const fence = f.lang === p.block.lang ? edits.line(p.open) : withLang(edits.line(p.open), f.lang)
    const path = /[\s"]/.test(f.path) ? JSON.stringify(f.path) : f.path
    edits.set(p.open, withAttrs(fence, [`file=${path}`, ...(f.append ? ['append'] : []), ...(target ? [`target=${target}`] : [])]))
    edits.comment(
      p.open,
      p.prefix,
      `the document asks for this in a file ("${f.words}"): docrun ${f.append ? 'appends it to' : 'writes it to'} \`${f.path}\`${target ? ` in ${target}` : ''} instead of running it`,
    )
  }
  return edits.text()
}
