/**
 * The ingest's answer (relay -> producer): what the relay says at the end of a producer's POST, in
 * its JSON body. The relay writes it (relay/ingest.ts); a producer reads it (producer/).
 */
import type { LineErrorCode } from './messages.js';

/**
 * Why a line was not kept: the message rules' reasons, longer than `maxLineBytes`, or accepted but
 * not stored (the engine failed: Redis unreachable, say). A multiplexed ingest (no
 * `plotly-streamtoken` header: each line names its `streamtoken`, as Plotly's Arduino libraries
 * send) also rejects a line alone that names no token, a token that is not one, a token whose
 * write key the request lacks, or a token past the number one ingest may write.
 */
export type IngestErrorCode =
  LineErrorCode | 'line-too-long' | 'not-stored' | 'no-token' | 'bad-token' | 'unauthorized' | 'too-many-tokens';

export interface IngestError {
  line: number;
  code: IngestErrorCode;
  message: string;
}

export interface IngestSummary {
  /** The `plotly-streamtoken` header's token (absent for a multiplexed ingest). */
  token?: string;
  /** A multiplexed ingest's tokens, in the order its lines first named them. */
  tokens?: string[];
  /** Lines taken and stored. */
  accepted: number;
  /** Lines refused by the message rules or the line length limit. */
  rejected: number;
  heartbeats: number;
  /** Lines accepted but not stored because the engine failed (present only when some were not). */
  notStored?: number;
  /** The first lines not kept (at most `MAX_REPORTED_ERRORS`), with their line numbers and why. */
  errors: IngestError[];
  /** Why the relay ended the stream, when it did. */
  closed?: string;
}
