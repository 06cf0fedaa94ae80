import type { PlotlyStreamElement } from '../../src/element.js';

/**
 * Resolves once `test` holds, checked now and after each of the element's frames (frames come while
 * it has work); a test that throws (nothing drawn yet) counts as not holding. Fails after 10 s.
 */
export function drawnWhen(el: PlotlyStreamElement, test: () => boolean, what: string): Promise<void> {
  const holds = () => {
    try {
      return test();
    } catch {
      return false;
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no frame where ${what}`)), 10_000);
    const check = () => {
      if (!holds()) return;
      clearTimeout(timer);
      el.removeEventListener('plotly-stream-render', check);
      resolve();
    };
    el.addEventListener('plotly-stream-render', check);
    check();
  });
}
