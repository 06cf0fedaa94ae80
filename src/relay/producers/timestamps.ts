/**
 * `plotly-convertTimestamp`, as Plotly's Arduino libraries send it (`"America/Montreal"`, quotes
 * and all): each line's `x` is milliseconds since the board started, and Plotly's multiplexer
 * (plexi.js) drew it at the request's start plus `x`, in that time zone. The same instant is written
 * here as plotly.js reads a date (`2026-12-06 14:03:07.250`; plexi wrote `12-06-2026 14:03:07.250`,
 * which plotly.js does not read as a date). A zone the relay does not know falls back to
 * America/Montreal, as plexi did, and says so.
 */

/** Plexi's zone when the header named one it did not know. */
export const FALLBACK_TIME_ZONE = 'America/Montreal';

/** Longest zone name taken from the header (IANA names are far shorter). */
const MAX_ZONE_LENGTH = 64;

/** Formatters by zone: at most one per IANA zone the runtime knows, whatever clients send. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let formatter = formatters.get(zone);
  if (formatter !== undefined) return formatter;
  try {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      fractionalSecondDigits: 3,
      hourCycle: 'h23',
    });
  } catch {
    return null; // not a zone (RangeError): not cached, so a flood of names holds nothing
  }
  formatters.set(formatter.resolvedOptions().timeZone, formatter);
  formatters.set(zone, formatter);
  return formatter;
}

export class TimestampConverter {
  /** The zone used (the header's, or the fallback). */
  readonly zone: string;
  /** Why the header's zone was not used, when it was not. */
  readonly fallbackReason: string | null;
  readonly #start: number;
  readonly #formatter: Intl.DateTimeFormat;

  /**
   * From the header's value (quotes around it are taken off) and the request's start, in ms since
   * the Unix epoch.
   */
  constructor(header: string, start: number) {
    const asked = header
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim();
    const formatter = asked.length <= MAX_ZONE_LENGTH ? formatterFor(asked) : null;
    this.#start = start;
    if (formatter !== null) {
      this.zone = asked;
      this.fallbackReason = null;
      this.#formatter = formatter;
    } else {
      this.zone = FALLBACK_TIME_ZONE;
      this.fallbackReason = `plotly-convertTimestamp names no time zone the relay knows (${JSON.stringify(asked.slice(0, MAX_ZONE_LENGTH))}); ${FALLBACK_TIME_ZONE} is used, as Plotly did`;
      this.#formatter = formatterFor(FALLBACK_TIME_ZONE) as Intl.DateTimeFormat;
    }
  }

  /** `x` (ms since the board started) as a date in the zone; a value that is not a number is left as it is. */
  convert(x: unknown): unknown {
    if (typeof x !== 'number' || !Number.isFinite(x)) return x;
    const time = this.#start + x;
    if (!Number.isFinite(time) || Math.abs(time) > 8.64e15) return x; // past what a Date holds
    const parts: Record<string, string> = {};
    for (const part of this.#formatter.formatToParts(time)) parts[part.type] = part.value;
    return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}:${parts['second']}.${parts['fractionalSecond']}`;
  }
}
