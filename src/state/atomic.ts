// Every file docrun's record depends on is replaced atomically (write, fsync, rename), 0600.
import writeFileAtomic from 'write-file-atomic'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'

export async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeFileAtomic(path, data, { mode: 0o600, fsync: true })
}
