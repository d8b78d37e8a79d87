// Archives of workspace trees, made and unpacked by GNU tar: it keeps what a chroot or an image
// directory is made of — owners (numeric), modes, symlinks, hard links, device nodes, FIFOs,
// sparse files, ACLs and every xattr (security.capability too). The npm tar libraries keep
// neither xattrs nor device nodes, so they cannot hold a chroot.
import { mkdtemp, rmdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type { execa as Execa } from 'execa'
import { loadExeca } from '../common/load-execa.js'

export type Compression = 'zstd' | 'gzip'

const KEEP = ['--xattrs', '--xattrs-include=*', '--acls', '--numeric-owner']

let zstd: Promise<boolean> | undefined
/** zstd when installed (several times faster than gzip at a similar size), else gzip. */
export async function pickCompression(): Promise<Compression> {
  zstd ??= loadExeca()
    .then(({ execa }) => execa('zstd', ['--version'], { reject: false }))
    .then(
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

/**
 * How tar sees `dir`: as it is, or `beneathMounts` — `dir`'s own file system without anything
 * mounted below it (a chroot's bound /dev, /proc, /sys). For that tar runs in a mount namespace
 * of its own (`unshare --mount`, every mount private) where `dir` is bound, not recursively, to
 * an empty directory: the view shows the mount points as the empty directories they are on
 * disk, nothing tar writes can reach through them into the host's /dev, and the bind vanishes
 * with the namespace when tar exits — also when docrun is killed — so there is nothing to track.
 */
export interface TarView {
  dir: string
  beneathMounts?: boolean
}

async function runTar(view: TarView, tarArgs: (dir: string) => string[], stdin: 'ignore' | 'pipe', input?: Readable) {
  const { execa } = await loadExeca()
  if (!view.beneathMounts) return pipeInto(execa('tar', tarArgs(view.dir), { reject: false, stdin }), input)
  const at = await mkdtemp(join(tmpdir(), 'docrun-view-'))
  try {
    const script = 'mount --bind -- "$1" "$2" && shift 2 && exec tar "$@"'
    const args = ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', view.dir, at, ...tarArgs(at)]
    return await pipeInto(execa('unshare', args, { reject: false, stdin }), input)
  } finally {
    await rmdir(at).catch(() => undefined)
  }
}

function pipeInto<T extends ReturnType<typeof Execa>>(child: T, input?: Readable): T {
  if (input) {
    input.on('error', (e) => child.stdin?.destroy(e))
    input.pipe(child.stdin!)
  }
  return child
}

/** Write `paths` (relative to the view's dir) into the archive `file`. Throws with tar's message. */
export async function createArchive(view: TarView, paths: string[], file: string, c: Compression): Promise<void> {
  const r = await runTar(view, (dir) => ['-c', '-f', file, compressFlag(c), ...KEEP, '--sparse', '-C', dir, '--', ...paths], 'ignore')
  if (r.exitCode !== 0) throw new Error(`tar could not archive ${paths.join(', ')}: ${tail(String(r.stderr))}`)
}

/** Unpack an archive read from `input` into the view's dir, owners and modes as recorded. */
export async function extractArchive(input: Readable, view: TarView, c: Compression): Promise<void> {
  const r = await runTar(view, (dir) => ['-x', '-f', '-', compressFlag(c), ...KEEP, '-p', '--same-owner', '-C', dir], 'pipe', input)
  if (r.exitCode !== 0) throw new Error(`tar could not unpack the cache entry: ${tail(String(r.stderr))}`)
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n') || 'no message'
}
