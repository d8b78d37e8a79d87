// The one place targets are made: the pool asks this factory for every host, chroot and guest
// it opens, so a test can hand it fakes.
import { ChrootTarget, type ChrootTargetOptions } from './chroot.js'
import { GuestTarget, type GuestTargetOptions } from './guest/guest.js'
import { HostTarget, type HostTargetOptions } from './host.js'
import type { Guest, Target } from './target.js'

export interface TargetFactory {
  host(opts: HostTargetOptions): Target
  chroot(opts: ChrootTargetOptions): Target
  guest(opts: GuestTargetOptions): Guest
}

export const realTargets: TargetFactory = {
  host: (opts) => new HostTarget(opts),
  chroot: (opts) => new ChrootTarget(opts),
  guest: (opts) => new GuestTarget(opts),
}
