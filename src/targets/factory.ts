// The one place targets are made: the pool asks this factory for every host, chroot, guest and ssh host
// it opens, so a test can hand it fakes.
import { ChrootTarget, type ChrootTargetOptions } from './chroot.js'
import { GuestTarget, type GuestTargetOptions } from './guest/guest.js'
import { HostTarget, type HostTargetOptions } from './host.js'
import { SshTarget, type SshTargetOptions } from './ssh.js'
import type { Guest, Target } from './target.js'

export interface TargetFactory {
  host(opts: HostTargetOptions): Target
  chroot(opts: ChrootTargetOptions): Target
  guest(opts: GuestTargetOptions): Guest
  /** A remote host over SSH (`hosts:` in the front matter). */
  ssh(opts: SshTargetOptions): Target
}

export const realTargets: TargetFactory = {
  host: (opts) => new HostTarget(opts),
  chroot: (opts) => new ChrootTarget(opts),
  guest: (opts) => new GuestTarget(opts),
  ssh: (opts) => new SshTarget(opts),
}
