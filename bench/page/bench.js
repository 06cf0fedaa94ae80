// The page side of the benchmark: set up a chart (the element, the naive way, or the bare floor),
// measure it, hand the numbers back to the driver. Plain JS: it runs as the page gets it.
'use strict';
(() => {
  const epochNow = () => performance.timeOrigin + performance.now();
  // The browser's own WebSocket: each run wraps this one (not the last run's wrapper).
  const NativeWebSocket = window.WebSocket;
  const stage = () => document.getElementById('stage');
  const figureFor = (tokens, maxpoints) => ({
    data: tokens.map((token) => ({ type: 'scatter', mode: 'lines', x: [], y: [], stream: { token, maxpoints } })),
    layout: { showlegend: false, margin: { t: 10, r: 10, b: 30, l: 40 } },
    config: { staticPlot: false },
  });

  // Browser frames actually produced (a starved main thread gets fewer), and the longest gap between
  // two (a frame the page could not show).
  const frameTimes = () => {
    let count = 0;
    let last = null;
    let longest = 0;
    let on = true;
    const loop = (time) => {
      if (!on) return;
      count++;
      if (last !== null) longest = Math.max(longest, time - last);
      last = time;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    return { stop: () => ((on = false), { count, longest }) };
  };

  const heap = () => {
    if (typeof window.gc === 'function') window.gc();
    return performance.memory ? performance.memory.usedJSHeapSize : null;
  };

  let run = null;

  // A trace's whole window (the element keeps every point; graphDiv.data holds what is drawn).
  const windowX = (el, i) => el.getWindow(i)?.x ?? [];

  window.benchElement = async ({ src, tokens, maxpoints, decimate }) => {
    stage().replaceChildren();
    const clocks = new Map();
    let messageMs = 0;
    // Time the element's own WebSocket message handling, and read the feeder's clock events.
    class TimedWebSocket extends NativeWebSocket {
      set onmessage(fn) {
        super.onmessage =
          fn &&
          ((event) => {
            const data = event.data;
            if (typeof data === 'string' && data.startsWith('{"type":"bench-clock"')) {
              const clock = JSON.parse(data);
              clocks.set(clock.offset, clock.t);
              if (clocks.size > 5000) clocks.delete(clocks.keys().next().value);
            }
            const started = performance.now();
            fn.call(this, event);
            messageMs += performance.now() - started;
          });
      }
      get onmessage() {
        return super.onmessage;
      }
    }
    window.WebSocket = TimedWebSocket;
    const el = document.createElement('plotly-stream');
    el.setAttribute('hide-badge', '');
    el.transport = 'websocket';
    el.decimate = decimate;
    el.figure = figureFor(tokens, maxpoints);
    const frameMs = [];
    const latencies = [];
    // Time each drawing frame: everything the element does for it (planning, the Plotly call, and
    // what follows the call before its plotly-stream-render event, such as marking dense lines).
    let frameStarted = null;
    const timed = (cb, time) => {
      const before = el.stats.frames;
      const started = performance.now();
      cb(time);
      if (el.stats.frames !== before) frameStarted = started;
    };
    const base = el.frameScheduler; // the element's own: animation frames
    el.frameScheduler = {
      request: (cb) => base.request((time) => timed(cb, time)),
      cancel: (handle) => base.cancel(handle),
      // As the element's own scheduler: work arriving after an idle frame is drawn when its task ends.
      soon: (cb) => base.soon((time) => timed(cb, time)),
    };
    const renderTimes = [];
    const callMs = [];
    el.addEventListener('plotly-stream-render', (event) => {
      renderTimes.push(performance.now());
      if (frameStarted !== null) frameMs.push(performance.now() - frameStarted);
      frameStarted = null;
      callMs.push(event.detail.ms);
      const x = el.graphDiv.data[0].x;
      const sentAt = clocks.get(x[x.length - 1]);
      if (sentAt !== undefined) latencies.push(epochNow() - sentAt);
    });
    stage().append(el);
    el.src = src;
    await new Promise((resolve) => {
      if (el.state === 'live') resolve();
      el.addEventListener('plotly-stream-state', (e) => e.detail.state === 'live' && resolve());
    });
    run = {
      el,
      frameMs,
      latencies,
      renderTimes,
      callMs,
      getMessageMs: () => messageMs,
      resetMessageMs: () => (messageMs = 0),
      // The feeder's clocks are the bench's, not the element's: dropped before the heap is read.
      clearClocks: () => clocks.clear(),
    };
    return true;
  };

  // After the feeder's fill: wait for full windows, then start counting.
  window.benchElementStart = async ({ maxpoints }) => {
    const { el, frameMs, latencies } = run;
    const full = () =>
      (el.graphDiv?.data?.length ?? 0) > 0 && el.graphDiv.data.every((_, i) => windowX(el, i).length >= maxpoints);
    while (!full()) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    frameMs.length = 0;
    latencies.length = 0;
    run.renderTimes.length = 0;
    run.callMs.length = 0;
    run.resetMessageMs();
    Object.assign(run, { startStats: el.stats, raf: frameTimes(), started: performance.now(), heapStart: heap() });
    return true;
  };

  window.benchElementCollect = async ({ lastOffsets, maxpoints, settleMs, sent }) => {
    const { el, frameMs, latencies, startStats, raf, started } = run;
    // The measured part ends when the feeder stops; then let what was sent arrive (a backlog is
    // late, not lost: wait up to 30 s for it) and be drawn.
    const fedSeconds = (performance.now() - started) / 1000;
    const rafFrames = raf.stop().count;
    const drainStarted = performance.now();
    while (el.stats.messages - startStats.messages < sent && performance.now() - drainStarted < 30_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const drainMs = performance.now() - drainStarted;
    await new Promise((r) => setTimeout(r, settleMs));
    const seconds = fedSeconds;
    const stats = el.stats;
    // Every point still in a window must be there: the last maxpoints offsets of each token.
    let lost = 0;
    el.graphDiv.data.forEach((trace, i) => {
      const last = lastOffsets[`t${i}`] ?? 0;
      const expected = Math.min(maxpoints, last);
      const have = new Set(windowX(el, i));
      for (let offset = last - expected + 1; offset <= last; offset++) if (!have.has(offset)) lost++;
    });
    // Draw rate while data flowed: between the first and the last frame of the run.
    const times = run.renderTimes;
    const fps = times.length > 1 ? ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]) : 0;
    run.clearClocks();
    const result = {
      seconds,
      fps,
      frames: stats.frames - startStats.frames,
      rafFrames,
      frameMs,
      callMs: run.callMs,
      latencies,
      messageMs: run.getMessageMs(),
      messages: stats.messages - startStats.messages,
      drops: stats.drops - startStats.drops,
      lost,
      drawnPerTrace: stats.drawnPoints / el.graphDiv.data.length,
      // Lines drawn as bands: dense enough to go without antialiasing.
      bandTraces: el.graphDiv.querySelectorAll('g.trace > g.lines[shape-rendering="optimizeSpeed"]').length,
      received: stats.messages - startStats.messages,
      drainMs,
      heapStart: run.heapStart,
      heapEnd: heap(),
    };
    el.remove();
    return result;
  };

  // Today's way, before the page's frames: each chart asks the browser for its own animation frames,
  // so every chart with work draws in the same frame (with the same draw-on-arrival after an idle
  // frame, one a frame page-wide, as the element's scheduler had).
  let drewBetweenFrames = false;
  const ownFrames = {
    request: (cb) => requestAnimationFrame(cb),
    cancel: (handle) => cancelAnimationFrame(handle),
    soon: (cb) => {
      if (drewBetweenFrames) return null;
      drewBetweenFrames = true;
      requestAnimationFrame(() => (drewBetweenFrames = false));
      let cancelled = false;
      queueMicrotask(() => {
        if (!cancelled) cb(performance.now());
      });
      return () => {
        cancelled = true;
      };
    },
  };

  // The driver clicks this while the charts stream: how long a click waits for its handler.
  const inputDelays = [];
  const poke = () => {
    let button = document.getElementById('poke');
    if (button === null) {
      button = document.createElement('button');
      button.id = 'poke';
      button.style.cssText = 'position:fixed;left:0;top:0;width:16px;height:16px;z-index:10;padding:0';
      button.addEventListener('click', (event) => inputDelays.push(performance.now() - event.timeStamp));
      document.body.append(button);
    }
  };

  // A chart is in view: its box meets the viewport.
  const inView = (el) => {
    const box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth;
  };

  // A dashboard: one small chart per token. Shared, they join one connection; not shared, each chart
  // gets its own (a src of its own, a path the feeder ignores, makes its connection its own).
  // `frames`: 'page' (the page's frames, shared in turns within a budget: the default) or 'own'
  // (today's way). `scrolling`: the page scrolls up and down while the charts stream.
  window.benchDashboard = async ({ src, tokens, maxpoints, shared, frames, draw }) => {
    stage().replaceChildren();
    poke();
    const charts = tokens.map((token, i) => {
      const el = document.createElement('plotly-stream');
      el.setAttribute('hide-badge', '');
      el.transport = 'websocket';
      el.style.cssText = 'display:inline-block;width:180px;height:90px';
      if (frames === 'own') el.frameScheduler = ownFrames;
      // Plotly without a version: the element draws every frame by extendTraces (before the range path).
      if (draw === 'extendTraces') el.plotly = { ...el.plotly, version: undefined };
      el.figure = {
        data: [{ type: 'scatter', mode: 'lines', x: [], y: [], stream: { token, maxpoints } }],
        layout: { showlegend: false, margin: { t: 4, r: 4, b: 16, l: 24 } },
      };
      el.src = shared ? src : `${src}/chart${i}`;
      return el;
    });
    stage().append(...charts);
    await Promise.all(
      charts.map(
        (el) =>
          new Promise((resolve) => {
            if (el.state === 'live') resolve();
            el.addEventListener('plotly-stream-state', (e) => e.detail.state === 'live' && resolve());
          }),
      ),
    );
    run = { charts };
    return customElements.get('plotly-stream').openConnections;
  };

  window.benchDashboardStart = async ({ maxpoints, scrolling }) => {
    const { charts } = run;
    const full = () => charts.every((el) => windowX(el, 0).length >= maxpoints);
    while (!full()) await new Promise((r) => setTimeout(r, 20));
    // The charts in view have drawn their windows before the count starts.
    const drawnInView = () => charts.every((el) => !inView(el) || (el.graphDiv?.data?.[0]?.x?.length ?? 0) > 0);
    while (!drawnInView()) await new Promise((r) => setTimeout(r, 20));
    inputDelays.length = 0;
    let scroll = null;
    if (scrolling) {
      // Up and down the page, 20 px a frame, as a reader flicking through a wall of charts.
      let step = 20;
      let on = true;
      const move = () => {
        if (!on) return;
        const bottom = document.documentElement.scrollHeight - innerHeight;
        if (scrollY + step > bottom || scrollY + step < 0) step = -step;
        scrollBy(0, step);
        requestAnimationFrame(move);
      };
      requestAnimationFrame(move);
      scroll = () => {
        on = false;
        scrollTo(0, 0);
      };
    }
    Object.assign(run, {
      startFrames: charts.map((el) => el.stats.frames),
      frames: frameTimes(),
      started: performance.now(),
      stopScroll: scroll,
    });
    return true;
  };

  window.benchDashboardCollect = async ({ lastOffsets, maxpoints }) => {
    const { charts, startFrames, frames, started, stopScroll } = run;
    const seconds = (performance.now() - started) / 1000;
    const page = frames.stop();
    stopScroll?.();
    const drainStarted = performance.now();
    // Caught up: every window holds its token's last point, and every chart in view has drawn it.
    const done = () =>
      charts.every((el, i) => {
        const last = lastOffsets[`d${i}`];
        if (windowX(el, 0).at(-1) !== last) return false;
        const x = el.graphDiv?.data?.[0]?.x ?? [];
        return !inView(el) || x[x.length - 1] === last;
      });
    while (!done() && performance.now() - drainStarted < 30_000) await new Promise((r) => setTimeout(r, 20));
    let lost = 0;
    charts.forEach((el, i) => {
      const last = lastOffsets[`d${i}`] ?? 0;
      const have = new Set(windowX(el, 0)); // the window: a small chart may draw its line reduced
      for (let offset = last - Math.min(maxpoints, last) + 1; offset <= last; offset++) if (!have.has(offset)) lost++;
    });
    const chartFrames = charts.map((el, i) => el.stats.frames - startFrames[i]);
    const draws = chartFrames.reduce((sum, n) => sum + n, 0);
    const delays = [...inputDelays].sort((a, b) => a - b);
    const result = {
      seconds,
      browserFps: page.count / seconds,
      longestFrameMs: page.longest,
      chartFps: draws / charts.length / seconds,
      draws,
      // The chart that drew least often: a page's turns must not starve any chart in view.
      slowestChartFps: Math.min(...chartFrames) / seconds,
      inputDelayMs: delays.length === 0 ? null : delays[Math.floor(delays.length / 2)],
      inputDelayMaxMs: delays.length === 0 ? null : delays[delays.length - 1],
      clicks: delays.length,
      lost,
      drainMs: performance.now() - drainStarted,
      connections: customElements.get('plotly-stream').openConnections,
    };
    stage().replaceChildren();
    return result;
  };

  // The naive way: one Plotly.extendTraces per received message, as old tutorials and Dash's extendData do.
  window.benchNaive = async ({ src, tokens, maxpoints, seconds }) => {
    stage().replaceChildren();
    const gd = document.createElement('div');
    stage().append(gd);
    const figure = figureFor(tokens, maxpoints);
    for (const trace of figure.data) delete trace.stream;
    await Plotly.newPlot(gd, figure.data, figure.layout, figure.config);
    const index = new Map(tokens.map((t, i) => [t, i]));
    let processed = 0;
    let received = 0;
    let deadline = Infinity;
    const socket = new WebSocket(`${src}/subscribe?${tokens.map((t) => `token=${t}`).join('&')}`);
    socket.onmessage = (event) => {
      if (event.data.startsWith('{"type":"bench-clock"')) return;
      const parsed = JSON.parse(event.data);
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
        if (item.type !== 'data') continue;
        received++;
        if (performance.now() > deadline) continue; // the run is over: stop working, keep counting
        Plotly.extendTraces(gd, { x: [[item.message.x]], y: [[item.message.y]] }, [index.get(item.token)], maxpoints);
        processed++;
      }
    };
    await new Promise((resolve) => (socket.onopen = resolve));
    const raf = frameTimes();
    const started = performance.now();
    deadline = started + seconds * 1000;
    run = {
      finish: () => ({
        seconds: (performance.now() - started) / 1000,
        rafFrames: raf.stop().count,
        processed,
        received,
      }),
      socket,
      gd,
    };
    return true;
  };

  window.benchNaiveCollect = async ({ settleMs }) => {
    await new Promise((r) => setTimeout(r, settleMs));
    const result = run.finish();
    run.socket.close();
    Plotly.purge(run.gd);
    return result;
  };

  // y at an offset, as the feeder makes it (bench/workers/feeder.ts has the same two).
  const SIGNALS = {
    noise: (i) => (i * 7919) % 1000,
    wave: (i) => Math.round(500 + 400 * Math.sin(i / 3000) + 30 * Math.sin(i / 17)),
  };

  // The floor: a bare Plotly.extendTraces of the same update on the same kind of plot.
  window.benchFloor = async ({
    traces,
    maxpoints,
    pointsPerTrace,
    frames,
    budgetMs = 15_000,
    loadSrc,
    signal = 'noise',
  }) => {
    const yAt = SIGNALS[signal];
    stage().replaceChildren();
    // Optionally under the same input traffic the element had: the feeder's frames, parsed and dropped.
    let load = null;
    if (loadSrc) {
      load = new WebSocket(`${loadSrc}/subscribe?token=load`);
      load.onmessage = (event) => JSON.parse(event.data);
      await new Promise((resolve) => (load.onopen = resolve));
    }
    const gd = document.createElement('div');
    stage().append(gd);
    const full = Array.from({ length: maxpoints }, (_, i) => i);
    const data = Array.from({ length: traces }, () => ({
      type: 'scatter',
      mode: 'lines',
      x: full.slice(),
      y: full.map(yAt),
    }));
    await Plotly.newPlot(gd, data, { showlegend: false, margin: { t: 10, r: 10, b: 30, l: 40 } });
    const ms = [];
    let next = maxpoints;
    const indices = Array.from({ length: traces }, (_, i) => i);
    // Big windows take Plotly long per frame: at least 3 frames, then as many as fit the budget.
    const begun = performance.now();
    for (let f = 0; f < frames && (f < 3 || performance.now() - begun < budgetMs); f++) {
      const xs = [];
      const ys = [];
      for (let t = 0; t < traces; t++) {
        const x = [];
        const y = [];
        for (let k = 0; k < pointsPerTrace; k++) {
          x.push(next + k);
          y.push(yAt(next + k));
        }
        xs.push(x);
        ys.push(y);
      }
      next += pointsPerTrace;
      const maxPoints = { x: indices.map(() => maxpoints), y: indices.map(() => maxpoints) };
      // The synchronous part, as the element's frame time is measured: Plotly draws SVG in the call.
      const started = performance.now();
      const done = Plotly.extendTraces(gd, { x: xs, y: ys }, indices, maxPoints);
      ms.push(performance.now() - started);
      await done;
      await new Promise((r) => requestAnimationFrame(r));
    }
    Plotly.purge(gd);
    load?.close();
    return ms;
  };

  // The floor's heap: a bare Plotly chart drawn as many times as the element drew, its window
  // moving as far each time (so Plotly's own caches, such as its tick labels' boxes, grow alike).
  window.benchHeapFloor = async ({ traces, maxpoints, frames, pointsPerFrame }) => {
    stage().replaceChildren();
    const gd = document.createElement('div');
    stage().append(gd);
    const indices = Array.from({ length: traces }, (_, i) => i);
    let next = 0;
    const draw = () => {
      next += Math.max(maxpoints, pointsPerFrame);
      const x = Array.from({ length: maxpoints }, (_, i) => next - maxpoints + i);
      const y = x.map(SIGNALS.noise);
      return Plotly.extendTraces(gd, { x: indices.map(() => x), y: indices.map(() => y) }, indices, maxpoints);
    };
    const figure = figureFor(
      indices.map((i) => `t${i}`),
      maxpoints,
    );
    await Plotly.newPlot(gd, figure.data, figure.layout);
    await draw();
    const start = heap();
    for (let f = 0; f < frames; f++) {
      await draw();
      await new Promise((r) => requestAnimationFrame(r));
    }
    const end = heap();
    Plotly.purge(gd);
    return { start, end };
  };

  // Charts for the report, drawn by Plotly itself.
  window.benchChart = async (figure) => {
    stage().replaceChildren();
    const gd = document.createElement('div');
    stage().append(gd);
    await Plotly.newPlot(gd, figure.data, { width: 760, height: 380, ...figure.layout });
    const url = await Plotly.toImage(gd, { format: 'svg', width: 760, height: 380 });
    Plotly.purge(gd);
    return decodeURIComponent(url.slice(url.indexOf(',') + 1));
  };
})();
