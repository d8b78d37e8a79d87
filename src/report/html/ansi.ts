// A block's output as HTML: colours and bold from its ANSI SGR codes (anser, inline styles for
// the terminal palette on the page's dark output background), other escape sequences dropped,
// carriage-return progress lines shown as the terminal left them.
import Anser from 'anser'
import { trusted, type Html } from './html.js'

// Window titles and hyperlinks (OSC ... BEL or ST): anser only knows CSI sequences.
const OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g
// What is left of other control bytes once anser has read the escape sequences.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g

/** A line overwritten by carriage returns (a progress meter) reads as its last version. */
function settleCarriageReturns(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const body = line.replace(/\r+$/, '')
      const cr = body.lastIndexOf('\r')
      return cr < 0 ? body : body.slice(cr + 1)
    })
    .join('\n')
}

export function ansiHtml(text: string): Html {
  const settled = settleCarriageReturns(text.replace(OSC, ''))
  return trusted(Anser.ansiToHtml(Anser.escapeForHtml(settled)).replace(CONTROL, ''))
}
