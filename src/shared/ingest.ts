/**
 * The ingest's answer (relay -> producer): what the relay says at the end of a producer's POST, in
 * its JSON body. The relay writes it (relay/ingest.ts); a producer reads it (producer/).
 */
import type { LineErrorCode } from './messages.js';

/**
 * Why a line was not kept: the message rules' reasons, longer than `maxLineBytes`, or accepted but
 * not stored (the engine failed: Redis unreachable, say).
 */
export type IngestErrorCode = LineErrorCode | 'line-too-long' | 'not-stored';

export interface IngestError {
  line: number;
  code: IngestErrorCode;
  message: string;
}

export interface IngestSummary {
  token: string;
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
