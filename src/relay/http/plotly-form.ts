/**
 * The form body of Plotly's v1 plot call (`POST /clientresp`), as its clients send it. chart_studio
 * (`requests`, `data=payload`) percent-encodes each value; npm `plotly` 1.0.6 joins
 * `key=value` pairs with `&` and encodes nothing, so its `args` and `kwargs` are raw JSON that may
 * hold `&`, `=`, `+` and `%` in their strings. A value that starts as JSON (`[` or `{`) is read as
 * JSON up to its end, whatever it holds; any other value runs to the next `&` and is
 * percent-decoded (`+` a space), as a form's is. Whitespace at the body's end is not part of it:
 * Plotly's Arduino libraries end their form with a CRLF, and count it in their Content-Length
 * when the key is not 10 characters or the sketch names the field otherwise.
 */

/** Fields a form may hold (Plotly's call has seven). */
const MAX_FIELDS = 32;

/** A field's name: letters, digits and `_`, as every field of Plotly's call. */
const FIELD_NAME = /^[A-Za-z0-9_]{1,32}$/;

export type PlotlyForm = { fields: Record<string, string> } | { error: string };

/** Reads the body's fields; an error names what is wrong and where. */
export function parsePlotlyForm(text: string): PlotlyForm {
  const body = text.trimEnd();
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  let at = 0;
  while (at < body.length) {
    const equals = body.indexOf('=', at);
    const name = equals === -1 ? '' : body.slice(at, equals);
    if (!FIELD_NAME.test(name))
      return { error: `not a form field at byte ${at}: ${JSON.stringify(body.slice(at, at + 24))}` };
    if (name in fields) return { error: `the field ${name} is given twice` };
    if (++count > MAX_FIELDS) return { error: `more than ${MAX_FIELDS} fields` };
    const start = equals + 1;
    const first = body[start];
    let end: number;
    if (first === '[' || first === '{') {
      end = jsonEnd(body, start);
      if (end === -1) return { error: `${name} is JSON that does not end` };
      if (end < body.length && body[end] !== '&') return { error: `${name}: JSON followed by more than & or the end` };
      fields[name] = body.slice(start, end);
    } else {
      end = body.indexOf('&', start);
      if (end === -1) end = body.length;
      const value = decodeFormValue(body.slice(start, end));
      if (value === null) return { error: `${name} is not percent-encoded text` };
      fields[name] = value;
    }
    at = end + 1;
  }
  return { fields };
}

/** A percent-encoded form value (`+` a space); null when it is not one. */
function decodeFormValue(text: string): string | null {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

/** Where the JSON object or array starting at `start` ends (just after it), or -1 when it does not. */
function jsonEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // an escape: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
