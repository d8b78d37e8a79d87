// Opens one session per target on first use, and closes them all, innermost last-opened first.
import type { TargetRef } from '../plan/types.js'
import type { ShellSession } from '../shell/session.js'
import { HostTarget } from '../targets/host.js'
import { ChrootTarget } from '../targets/chroot.js'
import { prepareSession, reapplySession } from '../targets/prepare.js'
import type { Target } from '../targets/target.js'

export interface PoolOptions {
  workspace: string
  params: Record<string, string>
  onNoise?: (target: string, chunk: Buffer) => void
  /** Called after a target's session opened: returns the snapshot to restore, if any. */
  snapshotFor?: (target: string) => Promise<{ dump: string; block: string } | undefined>
  note?: (message: string) => Promise<void>
}

export type TargetFactory = (ref: TargetRef, opts: PoolOptions) => Target

export const defaultTargetFactory: TargetFactory = (ref, opts) => {
  switch (ref.kind) {
    case 'host':
      return new HostTarget({ workspace: opts.workspace, ...(opts.onNoise ? { onNoise: (c) => opts.onNoise!('host', c) } : {}) })
    case 'chroot':
      return new ChrootTarget({ name: ref.name, root: ref.root, workspace: opts.workspace, ...(opts.onNoise ? { onNoise: (c) => opts.onNoise!(ref.name, c) } : {}) })
  }
}

export class TargetPool {
  private open = new Map<string, { target: Target; session: ShellSession }>()
  private order: string[] = []

  constructor(private readonly opts: PoolOptions, private readonly factory: TargetFactory = defaultTargetFactory) {}

  async get(ref: TargetRef): Promise<ShellSession> {
    const have = this.open.get(ref.name)
    if (have && !have.session.isClosed) return have.session
    if (have) await this.closeOne(ref.name)
    const target = this.factory(ref, this.opts)
    const { session, notes } = await target.open()
    this.open.set(ref.name, { target, session })
    this.order.push(ref.name)
    notes.push(...(await prepareSession(session, this.opts.params)))
    const snap = await this.opts.snapshotFor?.(ref.name)
    if (snap) {
      await session.restore(snap.dump)
      await reapplySession(session, this.opts.params)
      notes.push(`restored the shell state (variables, cwd) left by block ${snap.block}`)
    }
    for (const n of notes) await this.opts.note?.(`${target.description}: ${n}`)
    return session
  }

  private async closeOne(name: string): Promise<void> {
    const entry = this.open.get(name)
    this.open.delete(name)
    this.order = this.order.filter((n) => n !== name)
    await entry?.target.close()
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.order].reverse()) await this.closeOne(name)
  }
}
