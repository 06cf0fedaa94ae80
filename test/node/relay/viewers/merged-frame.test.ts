import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEvents, encodeFrame } from '../../../../src/shared/protocol.js';
import { mergeFrames } from '../../../../src/relay/viewers/merged-frame.js';

describe('mergeFrames', () => {
  it('puts the events of single-event and many-event frames, text or shared bytes, in one frame, in order', () => {
    const heartbeat = '{"type":"heartbeat"}';
    const data = (token: string, offset: number, y: string) =>
      `{"type":"data","token":"${token}","epoch":"e","offset":${offset},"time":1,"message":{"y":"${y}"}}`;
    const merged = mergeFrames([
      encodeFrame([heartbeat]),
      Buffer.from(encodeFrame([data('A', 1, 'é'), data('A', 2, '→')])),
      Buffer.from(encodeFrame([data('B', 7, 'x')])),
    ]);
    const { events, errors } = decodeEvents(merged.toString());
    assert.deepEqual(errors, []);
    assert.deepEqual(
      events.map((e) => (e.type === 'data' ? `${e.token}${e.offset}${String(e.message['y'])}` : e.type)),
      ['heartbeat', 'A1é', 'A2→', 'B7x'],
    );
  });
});
