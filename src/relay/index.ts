/** plotly-stream-relay for Node code: `const relay = await createRelay({port: 8080})`. */
export { DEFAULT_HEAP_GROWTH_PERCENT, REDIS_DEFAULTS, RELAY_DEFAULTS } from './constants.js';
export { createRelay, type Relay, type RelayOptions } from './server.js';
export { limitHeapGrowth, MAX_HEAP_GROWTH_PERCENT } from './heap-growth.js';
export * from './engines/engine.js';
export { MemoryEngine } from './engines/memory-engine.js';
export { RedisEngine, type RedisEngineOptions } from './engines/redis-engine.js';
export { loadKeysFile, parseKeys, type WriteKeys } from './access/keys.js';
export type { IngestError, IngestErrorCode, IngestSummary } from './producers/ingest.js';
export {
  ReadAccess,
  ReadKeyError,
  signReadToken,
  streamsCover,
  type ReadGrant,
  type ReadRefusal,
  type ReadTokenClaims,
} from './access/read-access.js';
export { OriginListError, OriginPolicy } from './access/origins.js';
