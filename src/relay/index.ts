/** plotly-stream-relay for Node code: `const relay = await createRelay({port: 8080})`. */
export { RELAY_DEFAULTS } from './constants.js';
export { createRelay, type Relay, type RelayOptions } from './server.js';
export {
  MemoryEngine,
  newEpoch,
  type Engine,
  type History,
  type HistoryLimits,
  type MessageListener,
  type StoredMessage,
} from './engine.js';
export { loadKeysFile, parseKeys, type WriteKeys } from './keys.js';
export type { IngestError, IngestErrorCode, IngestSummary } from './ingest.js';
