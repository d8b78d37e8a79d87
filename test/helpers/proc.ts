// Tests ask the kernel the same way docrun does (src/sys/proc.ts): a zombie is not alive.
export { isRunning as alive, readStat } from '../../src/sys/proc.js'
