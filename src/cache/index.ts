// The block cache (`{cache=PATHS}`): keys from the plan, a content-addressed store shared by
// workspaces, and what the runner and `docrun cache` call.
export { cacheKeys, chainKeys, CACHE_KEY_VERSION, type CacheKeyOptions, type StepKey } from './key.js'
export { CacheError, defaultCacheDir, openVerified, readMeta, removeEntry, type CacheMeta, type StoreResult } from './store.js'
export { checkPaths, restorePaths, storePaths, type RestoreResult } from './restore.js'
export { formatSize, listEntries, parseSize, pruneEntries, type CacheEntry, type PruneOptions } from './prune.js'
