// Getting data into a shell as data. Nothing the user controls is ever spliced into
// shell text: values travel as printf octal escapes or base64, both inert alphabets.

/** Bytes that may stand for themselves inside a single-quoted printf format. */
// Not `-`: a format that starts with one is an option to printf (bash's, dash's, busybox's).
const SAFE = /[A-Za-z0-9 _.,/:=@+]/

/** A printf format that prints exactly `data` (octal escapes for everything else). */
export function printfFormat(data: Uint8Array): string {
  let out = ''
  for (const byte of data) {
    const ch = String.fromCharCode(byte)
    out += byte < 0x80 && SAFE.test(ch) ? ch : `\\${byte.toString(8).padStart(3, '0')}`
  }
  return out
}

/**
 * Shell lines that set NAME to `value` byte-exact, in chunks short enough for a tty's
 * canonical line limit. Command substitution drops trailing newlines, hence the `x`.
 */
export function assignLines(name: string, value: string, opts: { export?: boolean; chunk?: number } = {}): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: ${name}`)
  const bytes = Buffer.from(value, 'utf8')
  if (bytes.includes(0)) throw new Error(`value of ${name} contains a NUL byte, which no environment variable can hold`)
  const size = opts.chunk ?? 200
  const lines = [`${name}=`]
  for (let i = 0; i < bytes.length; i += size) {
    lines.push(`__dr_c=$(printf '${printfFormat(bytes.subarray(i, i + size))}x'); ${name}=$${name}\${__dr_c%x}`)
  }
  if (opts.export) lines.push(`export ${name}`)
  return lines
}

/** base64 lines of at most 76 characters (what `base64 -d` reads everywhere). */
export function base64Lines(data: Uint8Array): string[] {
  const b64 = Buffer.from(data).toString('base64')
  const lines: string[] = []
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76))
  return lines
}
