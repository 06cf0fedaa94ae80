/**
 * Simulated producers: what a script, a Raspberry Pi or an Arduino would send, one message at a
 * time, in Plotly's streaming format. `send(token, message)` is how each message leaves.
 */
export type Send = (token: string, message: Record<string, unknown>) => void;

export function startProducers(send: Send): () => void {
  const timers: ReturnType<typeof setInterval>[] = [];
  const every = (ms: number, tick: () => void) => timers.push(setInterval(tick, ms));

  // A noisy sensor: a slow drift plus noise, 20 points a second.
  let level = 21;
  every(50, () => {
    level += (Math.random() - 0.5) * 0.2 + (21 - level) * 0.01;
    send('sensor', { x: new Date().toISOString(), y: +(level + (Math.random() - 0.5)).toFixed(3) });
  });

  // One token, two subplots: both traces get every point.
  let step = 0;
  every(40, () => {
    step++;
    send('imu', { x: step, y: +(Math.sin(step / 15) + (Math.random() - 0.5) * 0.3).toFixed(3) });
  });

  // A bar chart by overwrite: the whole y array each time.
  every(500, () => {
    send('bars', { y: Array.from({ length: 5 }, () => Math.round(20 + Math.random() * 70)) });
  });

  // Bubbles by overwrite, with a layout update in the same message.
  let t = 0;
  every(100, () => {
    t++;
    const n = 12;
    const angle = (i: number) => (i / n) * 2 * Math.PI + t / 20;
    send('bubbles', {
      x: Array.from({ length: n }, (_, i) => +(Math.cos(angle(i)) * (0.5 + 0.4 * Math.sin(t / 10 + i))).toFixed(3)),
      y: Array.from({ length: n }, (_, i) => +(Math.sin(angle(i)) * (0.5 + 0.4 * Math.sin(t / 10 + i))).toFixed(3)),
      marker: {
        size: Array.from({ length: n }, (_, i) => 10 + 20 * Math.abs(Math.sin(t / 15 + i))),
        color: Array.from({ length: n }, (_, i) => i),
      },
      layout: { title: { text: `t = ${t}` } },
    });
  });

  return () => timers.forEach(clearInterval);
}

/** Tokens of the dashboard page (demo/dashboard.html): twelve small charts. */
export const DASHBOARD_TOKENS = Array.from({ length: 12 }, (_, i) => `dash-${i}`);

/**
 * True for the dashboard tokens whose producer overwrites six bars each time (every fourth); the
 * others append points to a line. The page draws each token as what its producer sends.
 */
export function isBarToken(token: string): boolean {
  return DASHBOARD_TOKENS.indexOf(token) % 4 === 3;
}

/** Producers for the dashboard: each token a signal of its own, 5 to 20 points a second. */
export function startDashboardProducers(send: Send): () => void {
  const timers = DASHBOARD_TOKENS.map((token, i) => {
    let t = 0;
    let level = 50;
    return setInterval(
      () => {
        t++;
        level += (Math.random() - 0.5) * 4 + (50 - level) * 0.02;
        if (isBarToken(token)) send(token, { y: Array.from({ length: 6 }, () => Math.round(Math.random() * 100)) });
        else send(token, { x: t, y: +(i % 2 === 0 ? level : 50 + 40 * Math.sin(t / (8 + i))).toFixed(2) });
      },
      50 + 15 * i,
    );
  });
  return () => timers.forEach(clearInterval);
}
