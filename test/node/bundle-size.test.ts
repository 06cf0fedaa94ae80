/**
 * The element's own size (min + gzip, lit and plotly.js external) stays under 20 KiB, and the bench
 * can say what each part of it costs. Sizes are bytes, not timings: the same on any machine.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elementBundle, elementParts, elementSize } from '../../bench/size.js';

describe("the element's size", () => {
  it('is under 20 KiB min + gzip, every source file counted in a part', async () => {
    // The whole bundle's gzip: the parts' shares leave out its imports and exports.
    const bundle = await elementBundle();
    const { gzipBytes } = await elementSize(bundle);
    const parts = await elementParts(bundle);
    assert.ok(gzipBytes < 20 * 1024, `${gzipBytes} B: ${parts.map((p) => `${p.part} ${p.gzipShare}`).join(', ')}`);
    const files = parts.flatMap((part) => part.files);
    assert.ok(files.includes('src/element/page-frames.ts') && files.includes('src/element/transport/websocket.ts'));
    assert.ok(
      files.every((file) => file.startsWith('src/')),
      'lit and plotly.js stay out of it',
    );
  });
});
