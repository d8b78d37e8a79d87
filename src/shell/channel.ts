// A byte stream with a shell at the other end. Targets differ only in how they open
// one, how they interrupt what runs in it, and how they tear it down.

export interface Channel {
  /** Human-readable description for messages ("bash on the host", "guest vm's console"). */
  readonly description: string
  /** True when the stream is a terminal line (echo, CRLF, line limits): uploads use base64. */
  readonly tty: boolean
  /**
   * For targets that share docrun's file system (host, chroot): the host path of a path in
   * the target, so scripts and dumps are written and read directly instead of through the
   * stream. Undefined for guests.
   */
  readonly localPath?: (pathInTarget: string) => string
  write(data: string | Buffer): void
  /** Returns a function that removes the listener. */
  onData(listener: (chunk: Buffer) => void): () => void
  /** Called once when the stream ends; `reason` says why (exit code, QEMU gone, panic...). */
  onClose(listener: (reason: string) => void): void
  /** Ask the running command to stop (the shell's trap escalates INT → TERM → KILL). */
  interrupt(): void
  /** End the shell and free everything the channel holds. */
  close(): Promise<void>
}

/** Listener plumbing shared by channels: data fan-out and a close reason told exactly once. */
export class ChannelEvents {
  private dataListeners: ((c: Buffer) => void)[] = []
  private closeListeners: ((r: string) => void)[] = []
  protected closedReason: string | undefined

  onData(listener: (chunk: Buffer) => void): () => void {
    this.dataListeners.push(listener)
    return () => {
      this.dataListeners = this.dataListeners.filter((l) => l !== listener)
    }
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closedReason !== undefined) listener(this.closedReason)
    else this.closeListeners.push(listener)
  }

  protected emitData(chunk: Buffer): void {
    for (const l of this.dataListeners) l(chunk)
  }

  protected finish(reason: string): void {
    if (this.closedReason !== undefined) return
    this.closedReason = reason
    for (const l of this.closeListeners.splice(0)) l(reason)
  }
}
