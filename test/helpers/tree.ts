// A tree as a restore must keep it: for tests that compare two copies of one.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'

/** Everything a restore must keep, per relative path: lstat fields, link targets, content, xattrs. */
export async function describeTree(dir: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name
      const s = lstatSync(join(dir, p))
      out[p] = {
        mode: s.mode.toString(8),
        uid: s.uid,
        gid: s.gid,
        size: s.size,
        rdev: s.rdev,
        nlink: s.nlink,
        mtime: Math.floor(s.mtimeMs / 1000),
        ...(s.isSymbolicLink() ? { target: readlinkSync(join(dir, p)) } : {}),
        ...(s.isFile() ? { content: readFileSync(join(dir, p)).toString('base64').slice(0, 64) } : {}),
      }
      if (s.isDirectory()) walk(p)
    }
  }
  walk('')
  out.xattrs = (await execa('getfattr', ['-h', '-R', '-d', '-m', '-', '.'], { cwd: dir })).stdout
  return out
}
