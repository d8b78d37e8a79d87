export * from './atomic.js'
export * from './lock.js'
export * from './paths.js'
export * from './state.js'
