// What a block reads (`inputs=PATHS`), as a fingerprint: a manifest of the sources under each
// path (relative name, size, mtime), with build outputs left out, hashed per directory so a
// changed input can be named. Taken when the block passed; a later run that finds another
// fingerprint runs the block (and what follows) again. Content is never read: a kernel tree
// has ~80,000 files and the fingerprint must take well under 2 s (find does the walk in C).
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
// execa on first use (awaited calls only): commands that only read a workspace never load it.
import { execaWhenUsed as execa } from '../common/load-execa.js'

/** Build outputs of kbuild, the selftests and compilers in general: never a block's input. */
export const BUILD_OUTPUTS = [
  '*.o',
  '*.ko',
  '*.a',
  '*.so',
  '*.so.*',
  '*.mod',
  '*.mod.c',
  '*.cmd',
  '*.d',
  '*.order',
  '*.symvers',
  '*.tmp',
  '.tmp*',
  '*.lst',
  '*.dwo',
  '*.gcno',
  '*.gcda',
  '*.su',
  '*.skel.h',
  '*.lskel.h',
  '*.subskel.h',
  '*.lds',
  '*.builtin',
  '*.builtin.*',
  'modules.*',
  'vmlinux',
  'vmlinux.h',
  'System.map',
  'bzImage',
  'Image',
  '*.pyc',
  '.config.old',
  '*.orig',
  '*.rej',
  '*.gz',
  '*.xz',
  '*.bz2',
  '*.zst',
  '*.lzma',
  '*.lzo',
  '*.lz4',
]
/** Directories that hold only outputs (or another tool's state). */
export const OUTPUT_DIRS = ['.git', '__pycache__', 'generated', '.tmp_versions', 'kselftest_install', 'kselftest', 'no_alu32', 'cpuv4']

export interface Fingerprint {
  /** The whole fingerprint: equal digests, equal inputs. */
  digest: string
  /** Per directory (relative to its input path, prefixed by it): a digest of its files. */
  dirs: Record<string, string>
  files: number
}

export interface FingerprintOptions {
  /** More basename globs to leave out (`inputs-exclude=`). */
  exclude?: string[]
}

interface Entry {
  dir: string
  line: string
}

/** Fingerprint the inputs (files or directories, absolute paths; `label` names them in reports). */
export async function fingerprint(inputs: { path: string; label: string }[], opts: FingerprintOptions = {}): Promise<Fingerprint> {
  const dirs = new Map<string, string[]>()
  let files = 0
  for (const input of inputs) {
    for (const e of await walk(input.path, input.label, opts)) {
      const lines = dirs.get(e.dir)
      if (lines) lines.push(e.line)
      else dirs.set(e.dir, [e.line])
      files++
    }
  }
  // Sorted: readdir's order is the file system's business, not a change of the inputs.
  const digest16 = (lines: string[]) => createHash('sha256').update(lines.sort().join('')).digest('hex').slice(0, 16)
  const digests = Object.fromEntries([...dirs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, lines]) => [d, digest16(lines)]))
  const digest = createHash('sha256').update(JSON.stringify(digests)).digest('hex')
  return { digest, dirs: digests, files }
}

/** The directories whose files differ between two fingerprints (added, removed or changed). */
export function changedDirs(before: Pick<Fingerprint, 'dirs'>, after: Pick<Fingerprint, 'dirs'>): string[] {
  const names = new Set([...Object.keys(before.dirs), ...Object.keys(after.dirs)])
  return [...names].filter((d) => before.dirs[d] !== after.dirs[d]).sort()
}

/**
 * A basename test for globs (`*` and `?`): find's own -name tests cost seconds on a kernel tree, and
 * one alternation regex over 80,000 names is a fifth of the fingerprint. Most globs are `*.EXT`
 * or a plain name: those are set lookups; only the rest goes to a regex.
 */
export function basenameMatcher(globs: string[]): (base: string) => boolean {
  const names = new Set<string>()
  const suffixes = new Set<string>()
  const other: string[] = []
  for (const g of globs) {
    if (!/[*?]/.test(g)) names.add(g)
    else if (g.startsWith('*.') && !/[*?]/.test(g.slice(2))) suffixes.add(g.slice(1))
    else other.push(g)
  }
  const rest = other.length ? globsToRegExp(other) : undefined
  return (base) => {
    if (names.has(base)) return true
    for (let i = base.indexOf('.'); i >= 0; i = base.indexOf('.', i + 1)) if (suffixes.has(base.slice(i))) return true
    return rest ? rest.test(base) : false
  }
}

/** One regular expression for basename globs (`*` and `?`). */
export function globsToRegExp(globs: string[]): RegExp {
  const one = (g: string) =>
    g
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')
  return new RegExp(`^(?:${globs.map(one).join('|')})$`)
}

async function walk(root: string, label: string, opts: FingerprintOptions): Promise<Entry[]> {
  // Directories named by inputs-exclude= (`tools`, `Documentation`) are not walked at all.
  const prune = [...OUTPUT_DIRS, ...(opts.exclude ?? [])].flatMap((d, i) => [...(i ? ['-o'] : []), '-name', d])
  const outputs = basenameMatcher([...BUILD_OUTPUTS, ...(opts.exclude ?? [])])
  // %y type, %m mode, %s size, %T@ mtime, %P path below the root; NUL-separated (names may hold anything).
  const args = [root, '(', '-type', 'd', '(', ...prune, ')', '-prune', ')', '-o', '!', '-type', 'd', '-printf', '%y %m %s %T@ %P\\0']
  const r = await execa('find', args, { reject: false, maxBuffer: 1 << 30, encoding: 'utf8' })
  if (r.exitCode !== 0 && !r.stdout) throw new Error(`cannot read the inputs under ${root}: ${r.stderr.trim() || `find exited with ${r.exitCode}`}`)
  const entries: Entry[] = []
  const programs: { rel: string; entry: Entry }[] = []
  for (const rec of r.stdout.split('\0')) {
    if (!rec) continue
    const [type, mode, size, mtime, ...rest] = rec.split(' ')
    const rel = rest.join(' ')
    const slash = rel.lastIndexOf('/')
    const base = rel.slice(slash + 1)
    if (outputs(base)) continue
    const entry = { dir: slash < 0 ? label : `${label}/${rel.slice(0, slash)}`, line: `${base}\t${type}\t${mode}\t${size}\t${mtime}\n` }
    // An executable without an extension may be a program the build made (a host tool, a selftest).
    if (type === 'f' && (parseInt(mode!, 8) & 0o111) !== 0 && !base.includes('.')) programs.push({ rel, entry })
    else entries.push(entry)
  }
  const elf = await Promise.all(programs.map((p) => isElf(join(root, p.rel))))
  programs.forEach((p, i) => elf[i] || entries.push(p.entry))
  return entries
}

async function isElf(path: string): Promise<boolean> {
  const h = await open(path, 'r').catch(() => undefined)
  if (!h) return false
  try {
    const buf = Buffer.alloc(4)
    await h.read(buf, 0, 4, 0)
    return buf.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))
  } finally {
    await h.close()
  }
}
