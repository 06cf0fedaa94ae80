/**
 * direct-lines' pixel text: the same number as Plotly's rounding to a hundredth gives, written the
 * way a number's own text writes it (no trailing zeros, no `-0`), from integers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pixelText } from '../../../src/element/direct-lines.js';

/** Plotly's `d3.round(pixel, 2)`, as JavaScript writes the number. */
const plotlyText = (pixel: number) => String(Math.round(pixel * 100) / 100);

describe('pixelText', () => {
  it('writes the hundredths Plotly rounds to, as a number writes itself', () => {
    for (const [pixel, text] of [
      [0, '0'],
      [-0, '0'],
      [0.004, '0'],
      [-0.004, '0'],
      [0.005, '0.01'],
      [27.05, '27.05'],
      [27.5, '27.5'],
      [27, '27'],
      [0.09, '0.09'],
      [-3.1, '-3.1'],
      [-3.01, '-3.01'],
      [-100.5, '-100.5'],
      [0.995, '1'],
      [-0.995, '-0.99'],
    ] as const)
      assert.equal(pixelText(pixel), text, `${pixel}`);
  });

  it('agrees with Plotly rounding for pixels across a plot and past its edges', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 100_000; i++) {
      const pixel = (random() - 0.3) * (i % 3 === 0 ? 3 : 3000);
      assert.equal(pixelText(pixel), plotlyText(pixel), `${pixel}`);
    }
  });
});
