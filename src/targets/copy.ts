// `{copy}`, `{put}`, `{get}`: files and trees from one target to another (the host, a chroot, a
// remote host over SSH), streamed process to process — `cat` for a file, `tar` for a tree; a
// remote end is a channel of its target's SSH connection — and checked: the sha256 of every file
// on both ends must agree, or the block fails naming the first file that differs.
import { loadExeca } from '../common/load-execa.js'
import type { ShellRunResult, ShellSession } from '../shell/session.js'
import { ChrootTarget } from './chroot.js'
import { shQuote } from './ssh-options.js'
import { SshTarget } from './ssh.js'
import type { Target } from './target.js'

export interface CopyItem {
  src: string
  dest: string
}

/** One end of a copy: its target and its open session (relative paths are relative to the session's directory). */
export interface CopyEnd {
  target: Target
  session: ShellSession
}

/** A POSIX sh script run as a process of its own on `t`, stdio piped to docrun. */
function sideCommand(t: Target, script: string): { file: string; args: string[] } {
  if (t instanceof SshTarget) {
    if (!t.connection) throw new Error(`${t.description} is not connected`)
    return { file: 'ssh', args: t.connection.argv(`sh -c ${shQuote(script)}`) }
  }
  if (t instanceof ChrootTarget) return { file: 'chroot', args: [t.root, '/bin/sh', '-c', script] }
  if (t.kind === 'host') return { file: 'sh', args: ['-c', script] }
  throw new Error(`copy: ${t.description} cannot take part in a copy (a guest's console is one stream); copy to its host and share it (9p)`)
}

const where = (t: Target) => (t.kind === 'host' ? 'host' : t.name)

/** A path on an end, absolute: relative ones are relative to the end's shell's current directory. */
async function absolute(end: CopyEnd, path: string): Promise<string> {
  if (path.startsWith('/')) return path
  const pwd = await end.session.exec('pwd')
  if (pwd.status !== 0) throw new Error(`copy: could not read the current directory of ${end.target.description}`)
  return `${pwd.output.trim().replace(/\/$/, '')}/${path}`
}

/** What the source is: a file (with its mode), a directory, or missing. */
async function kindOf(end: CopyEnd, path: string): Promise<{ kind: 'file'; mode: string } | { kind: 'dir' } | undefined> {
  const p = shQuote(path)
  const r = await end.session.exec(`if [ -d ${p} ]; then echo dir; elif [ -f ${p} ]; then echo "file $(stat -c %a ${p})"; fi`)
  const [kind, mode] = r.output.trim().split(' ')
  if (kind === 'dir') return { kind: 'dir' }
  if (kind === 'file') return { kind: 'file', mode: mode ?? '644' }
  return undefined
}

/** sha256 of every regular file, by path (`.` for a single file): the same listing on both ends means the same bytes. */
function sumScript(kind: 'file' | 'dir', path: string): string {
  const p = shQuote(path)
  if (kind === 'file') return `s=$(sha256sum < ${p}) && printf '%s  .\\n' "\${s%% *}"`
  return `cd ${p} && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum`
}

async function sums(end: CopyEnd, kind: 'file' | 'dir', path: string): Promise<Map<string, string>> {
  const r = await end.session.exec(sumScript(kind, path))
  if (r.status !== 0) throw new Error(`copy: could not read the checksums of ${where(end.target)}:${path}: ${r.output.trim() || r.error || `exit ${r.status}`}`)
  const out = new Map<string, string>()
  for (const line of r.output.split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.*)$/.exec(line)
    if (m) out.set(m[2]!, m[1]!)
  }
  return out
}

/** Stream `src` (file or tree) from one end to `dest` on the other; the byte count. */
async function stream(from: CopyEnd, to: CopyEnd, kind: 'file' | 'dir', mode: string, src: string, dest: string, signal: AbortSignal): Promise<number> {
  const [s, d] = [shQuote(src), shQuote(dest)]
  const part = shQuote(`${dest}.docrun-part`)
  const read = kind === 'dir' ? `cd ${s} && tar -cf - .` : `cat ${s}`
  // A file arrives under a temporary name and is renamed once whole: a reader never sees half of it.
  const write =
    kind === 'dir'
      ? `mkdir -p ${d} && cd ${d} && tar -xf -`
      : `mkdir -p "$(dirname ${d})" && cat > ${part} && chmod ${mode.replace(/[^0-7]/g, '') || '644'} ${part} && mv -f ${part} ${d}`
  const r = sideCommand(from.target, read)
  const w = sideCommand(to.target, write)
  const { execa } = await loadExeca()
  const reader = execa(r.file, r.args, { reject: false, stdin: 'ignore', buffer: { stdout: false }, cancelSignal: signal })
  const writer = execa(w.file, w.args, { reject: false, stdin: 'pipe', cancelSignal: signal })
  let bytes = 0
  reader.stdout!.on('data', (c: Buffer) => (bytes += c.length))
  reader.stdout!.pipe(writer.stdin!)
  writer.stdin!.on('error', () => {})
  const [rr, wr] = await Promise.all([reader, writer])
  if (rr.exitCode !== 0) throw new Error(`copy: reading ${where(from.target)}:${src} failed: ${String(rr.stderr).trim() || `exit ${rr.exitCode}`}`)
  if (wr.exitCode !== 0) throw new Error(`copy: writing ${where(to.target)}:${dest} failed: ${String(wr.stderr).trim() || `exit ${wr.exitCode}`}`)
  return bytes
}

/** Copy each item from one end to the other and check it; the block's result. */
export async function copyBetween(from: CopyEnd, to: CopyEnd, items: CopyItem[], onOutput: (c: Buffer) => void, signal: AbortSignal): Promise<ShellRunResult> {
  const say = (text: string) => onOutput(Buffer.from(`${text}\n`))
  try {
    for (const item of items) {
      const [src, dest] = [await absolute(from, item.src), await absolute(to, item.dest)]
      const what = await kindOf(from, src)
      if (!what) throw new Error(`copy: ${where(from.target)}:${item.src} does not exist (or is neither a file nor a directory)`)
      const bytes = await stream(from, to, what.kind, what.kind === 'file' ? what.mode : '', src, dest, signal)
      const [a, b] = [await sums(from, what.kind, src), await sums(to, what.kind, dest)]
      const differs = [...a].find(([path, sum]) => b.get(path) !== sum)
      if (differs) throw new Error(`copy: ${where(to.target)}:${dest}${differs[0] === '.' ? '' : `/${differs[0].slice(2)}`} differs from its source (sha256)`)
      const sum = what.kind === 'file' ? `sha256 ${a.get('.')!.slice(0, 16)}…` : `${a.size} files, sha256 checked`
      say(`copied ${where(from.target)}:${item.src} → ${where(to.target)}:${item.dest} (${what.kind === 'dir' ? 'tree, ' : ''}${bytes} bytes, ${sum})`)
    }
    return { status: 0, timedOut: false, interrupted: false }
  } catch (error) {
    if (signal.aborted) return { status: -1, timedOut: false, interrupted: true, error: 'interrupted during the copy' }
    say((error as Error).message)
    return { status: 1, timedOut: false, interrupted: false }
  }
}
