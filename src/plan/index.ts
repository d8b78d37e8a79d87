export * from './types.js'
export * from './plan.js'
