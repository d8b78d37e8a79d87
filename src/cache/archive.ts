// Archives of workspace trees, made and unpacked by GNU tar: it keeps what a chroot or an image
// directory is made of — owners (numeric), modes, symlinks, hard links, device nodes, FIFOs,
// sparse files, ACLs and every xattr (security.capability too). The npm tar libraries keep
// neither xattrs nor device nodes, so they cannot hold a chroot.
import type { Readable } from 'node:stream'
import { execa } from 'execa'

export type Compression = 'zstd' | 'gzip'

const KEEP = ['--xattrs', '--xattrs-include=*', '--acls', '--numeric-owner']

let zstd: Promise<boolean> | undefined
/** zstd when installed (several times faster than gzip at a similar size), else gzip. */
export async function pickCompression(): Promise<Compression> {
  zstd ??= execa('zstd', ['--version'], { reject: false }).then(
    (r) => r.exitCode === 0,
    () => false,
  )
  return (await zstd) ? 'zstd' : 'gzip'
}

export function archiveName(c: Compression): string {
  return c === 'zstd' ? 'data.tar.zst' : 'data.tar.gz'
}

function compressFlag(c: Compression): string {
  // zstd on every core; tar adds `-d` to unpack.
  return c === 'zstd' ? '--use-compress-program=zstd -T0' : '--gzip'
}

/** Write `paths` (relative to `cwd`) into the archive `file`. Throws with tar's message. */
export async function createArchive(cwd: string, paths: string[], file: string, c: Compression): Promise<void> {
  const r = await execa('tar', ['-c', '-f', file, compressFlag(c), ...KEEP, '--sparse', '-C', cwd, '--', ...paths], { reject: false, stdin: 'ignore' })
  if (r.exitCode !== 0) throw new Error(`tar could not archive ${paths.join(', ')}: ${tail(r.stderr)}`)
}

/** Unpack an archive read from `input` into `dir`, owners and modes as recorded. */
export async function extractArchive(input: Readable, dir: string, c: Compression): Promise<void> {
  const tar = execa('tar', ['-x', '-f', '-', compressFlag(c), ...KEEP, '-p', '--same-owner', '-C', dir], { reject: false, stdin: 'pipe' })
  input.on('error', (e) => tar.stdin?.destroy(e))
  input.pipe(tar.stdin!)
  const r = await tar
  if (r.exitCode !== 0) throw new Error(`tar could not unpack the cache entry: ${tail(r.stderr)}`)
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n') || 'no message'
}
