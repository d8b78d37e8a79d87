// A real Debian chroot for the tests: debootstrap --variant=minbase of the host's suite,
// built once and cached as a tarball (unpacking takes seconds, debootstrap a minute).
import { execa } from 'execa'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const CACHE = process.env.DOCRUN_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'docrun')

function hostSuite(): { suite: string; mirror: string } {
  const osr = readFileSync('/etc/os-release', 'utf8')
  const suite = /^VERSION_CODENAME=(\S+)/m.exec(osr)?.[1] ?? 'bookworm'
  let mirror = 'http://deb.debian.org/debian'
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(f)) continue
    const m = /(?:URIs:|^deb)\s+(https?:\/\/\S+\/debian)\b/m.exec(readFileSync(f, 'utf8'))
    if (m) {
      mirror = m[1]!
      break
    }
  }
  return { suite, mirror }
}

export async function requireTool(cmd: string, pkg: string): Promise<void> {
  const r = await execa('sh', ['-c', `command -v ${cmd}`], { reject: false })
  if (r.exitCode !== 0) throw new Error(`${cmd} is not installed: apt-get install ${pkg} (the test needs it; .ci/run installs it)`)
}

/** Path of a cached minbase tarball, made on first use. */
export async function minbaseTarball(): Promise<string> {
  const { suite, mirror } = hostSuite()
  const tar = join(CACHE, 'test', `${suite}-minbase.tar`)
  if (existsSync(tar)) return tar
  if (process.getuid?.() !== 0) throw new Error('the chroot tests need root (debootstrap, chroot, mount)')
  await requireTool('debootstrap', 'debootstrap')
  mkdirSync(join(CACHE, 'test'), { recursive: true })
  const dir = join(CACHE, 'test', `${suite}-minbase.tmp`)
  await execa('rm', ['-rf', '--one-file-system', dir])
  await execa('debootstrap', ['--variant=minbase', suite, dir, mirror], { stdio: 'inherit' })
  await execa('tar', ['-C', dir, '-cf', `${tar}.part`, '.'])
  await execa('mv', [`${tar}.part`, tar])
  await execa('rm', ['-rf', '--one-file-system', dir])
  return tar
}

/** A fresh chroot at `dir` (unpacked from the cache). */
export async function freshChroot(dir: string): Promise<void> {
  const tar = await minbaseTarball()
  mkdirSync(dir, { recursive: true })
  await execa('tar', ['-C', dir, '-xf', tar])
}

export async function mountsUnder(dir: string): Promise<string[]> {
  const text = readFileSync('/proc/self/mountinfo', 'utf8')
  return text
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp.startsWith(`${dir}/`) || mp === dir)
}

export async function loopsFor(file: string): Promise<string[]> {
  const r = await execa('losetup', ['-j', file], { reject: false })
  return r.stdout.split('\n').filter(Boolean)
}
