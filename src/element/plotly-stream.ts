import { LitElement, html, nothing, type PropertyValues } from 'lit';
import DefaultPlotly from 'plotly.js-basic-dist';
import { parseFigure, parseFigureJson, positiveNumber } from './figure.js';
import { DEFAULT_MAX_FPS, FrameLoop, type FrameResult, type FrameScheduler } from './frame-loop.js';
import { pageFrames } from './page-frames.js';
import type { StreamError } from './errors.js';
import { PlotModel, type ModelStats } from './plot-model.js';
import { drawPlan, type FramePlan } from './frame-plan.js';
import type { PlotlyApi } from './plotly-api.js';
import type { StreamEvent, TransportChoice } from './transport/connection.js';
import { pagePool, type Lease } from './transport/shared-connection.js';
import { traceGeometry } from './plot-geometry.js';
import { DenseLines } from './dense-lines.js';
import type { TraceWindow } from './trace-window.js';
import { ViewHold, type View } from './view-hold.js';
import { isStreamFrame } from './stream-draw.js';
import { saveFile, windowsToCSV, withDownloadButton } from './data-export.js';
import { elementStyles } from './styles.js';

export type StreamState = 'idle' | 'connecting' | 'live' | 'stale' | 'reconnecting' | 'closed';

export interface StreamStateDetail {
  state: StreamState;
  previous: StreamState;
  reason: string;
}

export type StreamErrorDetail = StreamError;

/** Counters since the element was created: the model's, and the relay connection's reconnects. */
export interface StreamStats extends ModelStats {
  /** Connections made to the relay after the first. */
  reconnects: number;
}

export interface StreamRenderDetail {
  /** Which Plotly call the frame made: `extend` (extendTraces), `update` (restyle+relayout), `react`. */
  kind: FramePlan['kind'];
  /** Milliseconds the call took. */
  ms: number;
}

export interface StreamResetDetail {
  token: string;
}

export interface StreamViewDetail {
  /** `held`: an axis keeps the range the person zoomed or panned to; `live`: every axis follows the data. */
  view: View;
  /** What changed it: `zoom` (a zoom, pan or scroll), `autoscale`, `follow()`, `new figure`. */
  reason: string;
}

/** A read token, or what gives one before each connect (private streams). */
export type AccessToken = string | (() => string | null | undefined | Promise<string | null | undefined>);

export const DEFAULT_STALE_AFTER = 20_000;
const TRANSPORTS: readonly TransportChoice[] = ['auto', 'websocket', 'sse'];

/** `auto`: lines with more points than their plot has pixels for are drawn reduced; `off`: every point. */
export type Decimate = 'auto' | 'off';
const DECIMATE: readonly Decimate[] = ['auto', 'off'];

/**
 * A live Plotly chart fed by a plotly-stream relay (WebSocket or Server-Sent Events) or by `write()`.
 *
 * The figure comes from a child `<script type="application/json">` or the `figure` property; traces
 * with `stream: {token, maxpoints}` receive that token's messages.
 *
 * @tag plotly-stream
 * @summary A live Plotly chart, fed by a relay or by `write()`.
 *
 * @attr {string} state - Reflected, read-only: `idle`, `connecting`, `live`, `stale`, `reconnecting` or `closed`; style with `plotly-stream[state=stale]`.
 * @attr {string} view - Reflected, read-only: `live`, or `held` while an axis keeps the range the person zoomed or panned to; style with `plotly-stream[view=held]`.
 *
 * @fires plotly-stream-state - The connection state changed. Detail: `{state, previous, reason}`.
 * @fires plotly-stream-error - A message, figure, frame or connection problem. Detail: `{code, message, token?}`.
 * @fires plotly-stream-render - A frame was drawn. Detail: `{kind, ms}`.
 * @fires plotly-stream-reset - The relay started a token's stream over (a restart lost its history, or the viewer was away longer than it keeps): lines that had streamed points break there, what the relay has follows. Detail: `{token}`.
 * @fires plotly-stream-view - The view was held (a zoom, pan or scroll) or returned to live (autoscale, `follow()`). Detail: `{view, reason}`.
 *
 * @csspart badge - The state badge in the top left corner (Plotly's modebar has the top right): a dot while live, the state's name otherwise (`paused` while paused), nothing while idle.
 * @csspart live-button - The badge's "Live" button, shown while the view is held: returns to following the data (`follow()`).
 * @cssprop [--plotly-stream-badge-background=rgba(255,255,255,0.85)] - Badge background.
 * @cssprop [--plotly-stream-badge-color=#444] - Badge text color.
 * @cssprop [--plotly-stream-badge-font=11px/1.4 system-ui, sans-serif] - Badge font.
 * @cssprop [--plotly-stream-live-color=#2ca02c] - Dot color while live.
 * @cssprop [--plotly-stream-stale-color=#ff7f0e] - Dot color while stale or reconnecting.
 * @cssprop [--plotly-stream-closed-color=#d62728] - Dot color when closed.
 * @cssprop [--plotly-stream-idle-color=#999] - Dot color when idle or connecting.
 *
 * @slot plot - Holds the Plotly graph div (created by the element, in light DOM so Plotly's own styles apply).
 */
export class PlotlyStreamElement extends LitElement {
  /** Registers the element; a second call with the same tag is a no-op. */
  static define(tag = 'plotly-stream', registry: CustomElementRegistry = customElements): void {
    if (registry.get(tag) !== undefined) return;
    try {
      registry.define(tag, this);
    } catch {
      // The class already has another tag in this registry: register a subclass under this one.
      registry.define(tag, class extends this {});
    }
  }

  /**
   * Relay connections open on this page for all its charts: charts with the same relay, transport
   * and read token share one (a dashboard's count to show, or to check in a test).
   */
  static get openConnections(): number {
    return pagePool.connectionCount;
  }

  /**
   * Milliseconds of Plotly work one animation frame may hold for all the page's charts together
   * (default 12): charts past it draw on the next frames, in turn, the ones that waited first, so
   * the page keeps its frame rate and its input however many charts it has. While the page's
   * frames last longer than 1/30 s (the browser's own work: scrolling, painting a wall of charts)
   * the charts take less, down to one chart a frame, and the budget comes back when they do not.
   * Where the browser's own work leaves the budget no room in a 1/60 s frame (the page misses 60
   * frames a second anyway), the charts may take 16.7 ms of each frame while frames stay within
   * 1/30 s (within 25 ms while the page scrolls, so scrolling keeps 30 frames a second). Charts given
   * a `frameScheduler` of their own are not counted.
   */
  static get frameBudgetMs(): number {
    return pageFrames.budgetMs;
  }
  static set frameBudgetMs(ms: number) {
    if (Number.isFinite(ms) && ms > 0) pageFrames.budgetMs = ms;
  }

  static override styles = elementStyles;

  static override properties = {
    src: { type: String },
    transport: { type: String, noAccessor: true },
    maxFps: { type: Number, attribute: 'max-fps', noAccessor: true },
    staleAfter: { type: Number, attribute: 'stale-after', noAccessor: true },
    paused: { type: Boolean, reflect: true },
    hideBadge: { type: Boolean, attribute: 'hide-badge' },
    figure: { attribute: false, noAccessor: true },
    accessToken: { attribute: 'access-token', noAccessor: true },
    decimate: { type: String, noAccessor: true },
  };

  /** The relay's base URL, `http(s)://` or `ws(s)://`. Without it, only `write()` feeds the chart. */
  declare src: string | null;
  /** While true, messages are buffered and nothing is drawn; the latest window is drawn on resume. Reflected. */
  declare paused: boolean;
  /** Hides the state badge. */
  declare hideBadge: boolean;

  #transport: TransportChoice = 'auto';
  #maxFps = DEFAULT_MAX_FPS;
  #staleAfter = DEFAULT_STALE_AFTER;
  #state: StreamState = 'idle';
  /** Why the state is what it is (the relay's words for a refusal), shown in the badge while closed. */
  #stateReason = '';
  #figure: unknown = undefined;
  /** True once `figure` was set as a property: child scripts no longer apply. */
  #figureFromProperty = false;
  #plotly: PlotlyApi | null = null;
  #scheduler: FrameScheduler = pageFrames;

  #model = new PlotModel((error) => this.#emitError(error));
  #loop = new FrameLoop(() => this.#drawFrame(), DEFAULT_MAX_FPS, this.#scheduler);
  /** False while the chart is out of view (scrolled away, `display: none`): it draws nothing then. */
  #inView = true;
  #viewObserver: IntersectionObserver | null = null;
  /** Lines dense enough to draw without antialiasing. */
  #denseLines = new DenseLines();
  /** This element's hold on the page's connection to its relay (shared with other charts). */
  #connection: Lease | null = null;
  #reconnects = 0;
  #graphDiv: HTMLDivElement | null = null;
  #drawing = false;
  #plotted = false;
  #childObserver: MutationObserver | null = null;
  #figureScript: Element | null = null;
  /** What the current connection was made for; a change of any part makes a new one. */
  #connectionKey = '';
  #resizeObserver: ResizeObserver | null = null;
  #figureScriptText: string | null = null;
  #accessToken: AccessToken | null = null;
  #decimate: Decimate = 'auto';
  #hold = new ViewHold();
  /** True while Plotly's relayout events (zoom, pan, resize) reach the element. */
  #listening = false;

  constructor() {
    super();
    this.src = null;
    this.paused = false;
    this.hideBadge = false;
  }

  /**
   * `auto` (WebSocket, falling back to SSE), `websocket` or `sse`. Other values mean `auto`.
   * @default 'auto'
   */
  get transport(): 'auto' | 'websocket' | 'sse' {
    return this.#transport;
  }
  set transport(value: string | null) {
    const old = this.#transport;
    this.#transport = TRANSPORTS.includes(value as TransportChoice) ? (value as TransportChoice) : 'auto';
    this.requestUpdate('transport', old);
  }

  /**
   * Frames per second at most. Values that are not positive numbers mean 20.
   * @default 20
   */
  get maxFps(): number {
    return this.#maxFps;
  }
  set maxFps(value: number | string | null) {
    const old = this.#maxFps;
    this.#maxFps = positiveNumber(value) ?? DEFAULT_MAX_FPS;
    this.#loop.maxFps = this.#maxFps;
    this.requestUpdate('maxFps', old);
  }

  /**
   * Milliseconds without any event or heartbeat from the relay before `state` becomes `stale`
   * (the relay sends a heartbeat every 15 s). Twice that, the element reconnects.
   * @default 20000
   */
  get staleAfter(): number {
    return this.#staleAfter;
  }
  set staleAfter(value: number | string | null) {
    const old = this.#staleAfter;
    this.#staleAfter = positiveNumber(value) ?? DEFAULT_STALE_AFTER;
    this.requestUpdate('staleAfter', old);
  }

  /**
   * Private streams: the read token (a JWT from your app's backend) sent with every subscribe, or a
   * function returning one (or a Promise of one), called before every connect and reconnect so an
   * expired token is replaced. A refused token (`unauthorized`, `forbidden` errors) stops the
   * element, unless this is a function: then it asks again, with backoff. A change reconnects.
   */
  get accessToken(): AccessToken | null {
    return this.#accessToken;
  }
  set accessToken(value: AccessToken | null) {
    const old = this.#accessToken;
    this.#accessToken = typeof value === 'function' || (typeof value === 'string' && value !== '') ? value : null;
    if (this.#accessToken === old) return;
    this.requestUpdate('accessToken', old);
    // Charts share a connection only with the same credentials: this one moves to the connection
    // for its new token (a new one if it is the first), and its traces resume there.
    this.#connectionKey = '';
    this.#ensureConnection();
  }

  /**
   * `auto`: a line trace (scatter with lines, ascending numeric or date x, or no x) whose window holds
   * more than 4 points per pixel of its plot's width is drawn as the first, lowest, highest and last
   * point of each column, a column as wide as the line and at least a pixel (peaks kept, every drawn
   * point a real sample), again on resize and zoom; `off`: every point is drawn. Other values
   * mean `auto`. `getWindow()` has every point either way.
   * @default 'auto'
   */
  get decimate(): 'auto' | 'off' {
    return this.#decimate;
  }
  set decimate(value: string | null) {
    const old = this.#decimate;
    this.#decimate = DECIMATE.includes(value as Decimate) ? (value as Decimate) : 'auto';
    if (this.#decimate === old) return;
    this.requestUpdate('decimate', old);
    this.#scheduleDraw();
  }

  /** `idle`, `connecting`, `live`, `stale`, `reconnecting` or `closed` (read-only, reflected). */
  get state(): StreamState {
    return this.#state;
  }

  /**
   * `held` while an axis keeps the range the person zoomed or panned to (points keep arriving, the
   * other axes keep following), `live` otherwise (read-only, reflected).
   */
  get view(): View {
    return this.#hold.view;
  }

  /**
   * The Plotly figure `{data, layout, config}`. Setting it replaces any child JSON script; traces
   * keep their points when they stream the same token at the same place among its traces.
   */
  get figure(): unknown {
    return this.#figure;
  }
  set figure(value: unknown) {
    const old = this.#figure;
    this.#figure = value;
    this.#figureFromProperty = true;
    this.#applyFigure(parseFigure(value));
    this.requestUpdate('figure', old);
  }

  /** The Plotly graph div (`graphDiv.data`, `Plotly.toImage(graphDiv)`); null before first connection. */
  get graphDiv(): HTMLDivElement | null {
    return this.#graphDiv;
  }

  /** Counters: messages, points, frames, drops, rejected, lastRenderMs, lag, drawnPoints, reconnects. */
  get stats(): StreamStats {
    return { ...this.#model.stats, reconnects: this.#reconnects + (this.#connection?.reconnects ?? 0) };
  }

  /**
   * The Plotly to draw with. Defaults to the bundled plotly.js-basic-dist; give a page's own
   * `window.Plotly` (a full build with heatmap or scattergl) to draw those trace types.
   */
  get plotly(): PlotlyApi {
    return this.#plotly ?? DefaultPlotly;
  }
  set plotly(value: PlotlyApi | null) {
    if (value === this.#plotly) return;
    if (this.#graphDiv !== null && this.#plotted) this.plotly.purge(this.#graphDiv);
    this.#plotly = value;
    this.#plotted = false;
    this.#listening = false;
    this.#redrawAll();
  }

  /** Where frames come from: animation frames by default; a custom clock for tests or offscreen use. */
  get frameScheduler(): FrameScheduler {
    return this.#scheduler;
  }
  set frameScheduler(scheduler: FrameScheduler) {
    this.#scheduler = scheduler;
    this.#loop.scheduler = scheduler;
  }

  /**
   * Feeds one message for a token, as if the relay had sent it: an object, or one JSON line, its
   * points stamped `time` (ms since the epoch; now by default), which `stream.maxage` and
   * `stream.gap` read. Returns false when the message is rejected (a `plotly-stream-error` says why).
   */
  write(token: string, message: unknown, time?: number): boolean {
    const accepted = this.#model.write(token, message, Number.isFinite(time) ? time : undefined);
    if (accepted) this.#scheduleDraw();
    return accepted;
  }

  /**
   * A streamed trace's whole window: each per-point key (`x`, `y`, `marker.color`, ...) as an
   * array, oldest first, whatever is drawn (`graphDiv.data` holds what Plotly draws, reduced where
   * lines are decimated). Null for a trace index that does not stream.
   */
  getWindow(trace: number): Record<string, unknown[]> | null {
    return this.#model.window(trace);
  }

  /**
   * The windows as CSV: every point they hold (not the reduced drawing), a header row of per-point
   * keys, a row per point, oldest first. With a trace index, that trace's window; without, every
   * streamed trace's, each row starting with its trace index. Text a spreadsheet would run as a
   * formula is prefixed with `'`. The modebar's "Download data" button saves this.
   */
  toCSV(trace?: number): string {
    if (trace === undefined) return windowsToCSV(this.#model.windowsByTrace(), true);
    const data = this.#model.window(trace);
    return windowsToCSV(data === null ? [] : [{ trace, data }], false);
  }

  /** Returns every held axis to following the data (what Plotly's autoscale and the badge's Live button do). */
  follow(): void {
    const update = this.#hold.followUpdate();
    this.#setView(this.#hold.clear(), 'follow()');
    if (this.#graphDiv === null || !this.#plotted || Object.keys(update).length === 0) return;
    Promise.resolve(this.plotly.relayout(this.#graphDiv, update)).catch(() => undefined);
  }

  /** Stops drawing; messages are still buffered. */
  pause(): void {
    this.paused = true;
  }

  /** Draws the latest window and goes on drawing. */
  resume(): void {
    this.paused = false;
  }

  /** Empties a token's traces (every streamed trace without a token) back to the figure's data. */
  clear(token?: string): void {
    this.#model.clear(token);
    this.#scheduleDraw();
  }

  /** Drops the relay connection and connects again at once, resuming where it was. */
  reconnect(): void {
    if (this.#connection === null) this.#restartConnection();
    else this.#connection.reconnect('reconnect() called');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.#graphDiv === null) {
      this.#graphDiv = document.createElement('div');
      this.#graphDiv.slot = 'plot';
      this.#graphDiv.className = 'plotly-stream-graph';
    }
    if (this.#graphDiv.parentNode !== this) this.append(this.#graphDiv);
    this.setAttribute('state', this.#state);
    this.setAttribute('view', this.#hold.view);
    // A page that loads the bundle in <head> upgrades the element before its JSON child is parsed.
    this.#figureScript = null;
    this.#childObserver = new MutationObserver(() => this.#readFigureScript());
    this.#childObserver.observe(this, { childList: true });
    this.#readFigureScript();
    this.#resizeObserver = new ResizeObserver(() => this.#resize());
    this.#resizeObserver.observe(this);
    this.#viewObserver = new IntersectionObserver(this.#onIntersection);
    this.#viewObserver.observe(this);
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#redrawAll();
    this.#ensureConnection();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#childObserver?.disconnect();
    this.#childObserver = null;
    this.#resizeObserver?.disconnect();
    this.#resizeObserver = null;
    this.#viewObserver?.disconnect();
    this.#viewObserver = null;
    this.#inView = true;
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#loop.stop();
    this.#connectionKey = '';
    this.#stopConnection('element removed');
    if (this.#graphDiv !== null && this.#plotted) this.plotly.purge(this.#graphDiv);
    this.#plotted = false;
    this.#listening = false;
    this.#drawing = false;
    this.#denseLines.reset();
  }

  // Before render, so a state change made here shows in this same update.
  protected override willUpdate(changed: PropertyValues): void {
    this.#ensureConnection();
    if (changed.has('paused') && !this.paused) this.#scheduleDraw();
  }

  protected override render() {
    // No badge while idle: a chart fed only by write() has no connection to show.
    const held = this.#hold.view === 'held';
    const showBadge = !this.hideBadge && (this.#state !== 'idle' || this.paused || held);
    const label = this.paused ? 'paused' : this.#state;
    // The templates are written on one line (prettier-ignore): laid out, they ship their whitespace.
    // prettier-ignore
    const live = held
      ? html`<button part="live-button" class="live" type="button" title="Follow the data again" @click=${() => this.follow()}>Live</button>`
      : nothing;
    // Closed for a reason the page cannot fix by waiting (a refusal, a bad src): it is said here,
    // where the person looking at the empty chart sees it.
    const why = this.#state === 'closed' && !this.paused ? this.#stateReason : '';
    // prettier-ignore
    const badge = html`<span part="badge" class="badge" role="status" title=${why === '' ? label : `${label}: ${why}`}><span class="label">${label}</span>${why === '' ? nothing : html`<span class="reason">${why}</span>`}${live}</span>`;
    return html`<slot name="plot"></slot>${showBadge ? badge : nothing}`;
  }

  #readFigureScript(): void {
    if (this.#figureFromProperty) return;
    const script = this.querySelector(':scope > script[type="application/json"]');
    if (script !== this.#figureScript) {
      // Watch only the script's own text: the graph div's subtree changes on every frame.
      this.#figureScript = script;
      this.#childObserver?.disconnect();
      this.#childObserver?.observe(this, { childList: true });
      if (script !== null)
        this.#childObserver?.observe(script, { childList: true, characterData: true, subtree: true });
    }
    const text = script?.textContent ?? null;
    if (text === null || text === this.#figureScriptText) return;
    this.#figureScriptText = text;
    this.#applyFigure(parseFigureJson(text));
  }

  #applyFigure(figure: ReturnType<typeof parseFigure>): void {
    // A new figure is drawn as it says: ranges the person held belong to the old one.
    this.#setView(this.#hold.clear(), 'new figure');
    this.#model.setFigure(figure);
    this.#scheduleDraw();
    this.#ensureConnection();
  }

  #resize(): void {
    if (!this.#plotted || this.#graphDiv === null) return;
    // Plotly rejects a resize of a plot that is not displayed (display: none): nothing to do then.
    // A new width may change how lines are reduced: the next frame looks.
    Promise.resolve(this.plotly.Plots.resize(this.#graphDiv)).then(
      () => this.#scheduleDraw(),
      () => undefined,
    );
  }

  /** The modebar's "Download data": the windows as a CSV file named like Plotly's PNG download. */
  #download = (): void => {
    const options = this.#model.figure?.config['toImageButtonOptions'];
    const name = (options as { filename?: unknown } | undefined)?.filename;
    saveFile(this.toCSV(), `${typeof name === 'string' && name !== '' ? name : 'plotly-stream'}.csv`);
  };

  /** Where each trace is drawn, for decimation; null when it is off. */
  #geometryOf = (window: TraceWindow) => (this.#graphDiv === null ? null : traceGeometry(this.#graphDiv, window.index));

  /** After a draw: zooms and pans (Plotly's relayout events) re-reduce lines for the range in view. */
  #listen(gd: HTMLElement): void {
    if (this.#listening) return;
    const events = gd as HTMLElement & { on?: (event: string, listener: (update: unknown) => void) => void };
    if (typeof events.on !== 'function') return;
    events.on('plotly_relayout', (update: unknown) => {
      // Read even while a stream frame draws: a person's relayout made in the same task emits then.
      // A stream frame's own (it autoranges only autoranged axes) changes no hold.
      if (update !== null && typeof update === 'object') {
        const view = this.#hold.relayout(update as Record<string, unknown>);
        this.#setView(view, view === 'held' ? 'zoom' : 'autoscale');
      }
      // A stream frame's redraw is drawn already.
      if (!isStreamFrame(gd)) this.#scheduleDraw();
    });
    this.#listening = true;
  }

  /** Reflects and announces a new view (null: unchanged). */
  #setView(view: View | null, reason: string): void {
    if (view === null) return;
    if (this.isConnected) this.setAttribute('view', view);
    this.requestUpdate();
    this.#dispatch('plotly-stream-view', { view, reason });
  }

  #redrawAll(): void {
    this.#model.invalidate();
    this.#scheduleDraw();
  }

  #scheduleDraw(): void {
    if (this.isConnected && !this.paused && this.#inView) this.#loop.schedule();
  }

  /** Scrolled into or out of view, shown or hidden: a chart out of view draws nothing; back in view, its window. */
  #onIntersection = (entries: IntersectionObserverEntry[]): void => {
    const entry = entries[entries.length - 1];
    if (entry === undefined) return;
    this.#inView = entry.isIntersecting;
    if (this.#inView) this.#scheduleDraw();
  };

  /** Back in view: one frame draws the current window (nothing was drawn while the page was hidden). */
  #onVisibility = (): void => {
    if (document.visibilityState !== 'hidden') this.#scheduleDraw();
  };

  /** One frame: at most one Plotly call. Returns what the frame did (`FrameResult`). */
  #drawFrame(): FrameResult {
    const gd = this.#graphDiv;
    // A hidden page draws nothing (most browsers send it no animation frames; some still do):
    // windows stay bounded, and the first frame back in view draws them once.
    // So does a chart out of view (scrolled away, display: none): back in view, it draws its window.
    if (!this.isConnected || gd === null || this.paused || !this.#inView || document.visibilityState === 'hidden')
      return false;
    if (this.#drawing) return 'busy';
    const plan = this.#model.takeFrame(this.#decimate === 'auto' ? this.#geometryOf : null, this.#withDownload);
    // Nothing new yet (after a long draw the browser may run a frame before the messages that came
    // in meanwhile): the next frame may draw as soon as they arrive.
    if (plan === null) return 'idle';
    const started = performance.now();
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(drawPlan(this.plotly, gd, plan));
    } catch (error) {
      this.#renderFailed(plan, error);
      return this.#model.dirty;
    }
    const ms = performance.now() - started;
    this.#model.frameDrawn(ms);
    if (plan.kind === 'react') this.#plotted = true;
    this.#drawing = true;
    result.then(
      () => {
        this.#drawing = false;
        this.#listen(gd);
        this.#denseLines.apply(gd, this.#model.lineTraces);
        this.#dispatch('plotly-stream-render', { kind: plan.kind, ms });
        // A redraw can change where traces are drawn (a trace's first points make it visible, tick
        // labels move the margins): one more frame reduces for the new geometry if it differs.
        if (this.#model.dirty || plan.kind !== 'extend') this.#scheduleDraw();
      },
      (error: unknown) => {
        this.#drawing = false;
        this.#renderFailed(plan, error);
        this.#scheduleDraw();
      },
    );
    return false;
  }

  /** The config of a whole redraw: the figure's, with the modebar's download button. */
  #withDownload = (config: Record<string, unknown>): Record<string, unknown> =>
    withDownloadButton(config, this.#download);

  #renderFailed(plan: FramePlan, error: unknown): void {
    this.#emitError({
      code: 'render-failed',
      message: `Plotly.${plan.kind === 'extend' ? 'extendTraces' : plan.kind} failed: ${(error as Error)?.message ?? error}`,
    });
    // Redraw from the element's own windows; a failing full redraw is not retried in a loop.
    if (plan.kind !== 'react') this.#model.invalidate();
  }

  /**
   * Makes the connection match src, transport, staleAfter, the read token and the figure's tokens.
   * A change of tokens alone changes the shared subscription, not the connection.
   */
  #ensureConnection(): void {
    if (!this.isConnected) return;
    const tokens = this.#model.tokens;
    const key = [this.src ?? '', this.#transport, this.#staleAfter].join('\n');
    if (key === this.#connectionKey && this.#connection !== null && tokens.length > 0) {
      this.#connection.setTokens(tokens);
      return;
    }
    if (key === this.#connectionKey && this.#connection === null && this.#state === 'idle' && tokens.length === 0)
      return;
    this.#connectionKey = key;
    this.#restartConnection();
  }

  #restartConnection(): void {
    this.#stopConnection(null);
    const tokens = this.#model.tokens;
    if (!this.isConnected || !this.src || tokens.length === 0) {
      this.#setState('idle', !this.src ? 'no src' : 'no streamed trace');
      return;
    }
    let lease: Lease | null = null;
    const accessToken = this.#accessToken;
    lease = pagePool.join(
      {
        src: this.src,
        transport: this.#transport,
        staleAfter: this.#staleAfter,
        accessToken: accessToken ?? undefined,
      },
      tokens,
      {
        onEvents: (events) => {
          if (this.#connection === lease) this.#onRelayEvents(events);
        },
        onState: (state, reason) => {
          if (this.#connection === lease || lease === null) this.#setState(state, reason);
        },
        onError: (code, message, token) => {
          if (this.#connection === lease || lease === null)
            this.#emitError({ code, message, ...(token ? { token } : {}) });
        },
      },
    );
    this.#connection = lease;
  }

  /** Leaves the connection; with a reason, `state` becomes `closed`, else it is left to the caller. */
  #stopConnection(reason: string | null): void {
    const connection = this.#connection;
    if (connection === null) return;
    this.#reconnects += connection.reconnects;
    this.#connection = null;
    connection.release();
    if (reason !== null) this.#setState('closed', reason);
  }

  /** The revision of the hosted chart's figure last applied (its relay sends it). */
  #chartRevision: number | null = null;

  #onRelayEvents(events: StreamEvent[]): void {
    for (const event of events) {
      if (event.type === 'run') {
        // Each point is stamped with when the relay accepted it (an older relay sends no time: now).
        const time = event.time ?? Date.now();
        const dt = event.dt;
        if (event.columns !== undefined) this.#model.writeColumns(event.token, event.columns, time, dt);
        else
          event.messages?.forEach((message, i) => {
            if (message !== null) this.#model.write(event.token, message, time + (dt?.[i] ?? 0));
          });
      } else if (event.type === 'reset') {
        this.#model.restart(event.token);
        this.#dispatch('plotly-stream-reset', { token: event.token });
      } else if (event.type === 'figure' && event.revision !== this.#chartRevision) {
        // A hosted chart was edited (or this is its figure as the relay has it now): drawn at once,
        // its traces keeping their points.
        this.#chartRevision = event.revision;
        this.figure = event.figure;
      }
    }
    this.#scheduleDraw();
  }

  #setState(state: StreamState, reason: string): void {
    const previous = this.#state;
    if (state === previous) return;
    this.#state = state;
    this.#stateReason = reason;
    // Reflected by hand: `state` is read-only, so it is not an observed attribute.
    if (this.isConnected) this.setAttribute('state', state);
    this.requestUpdate();
    this.#dispatch('plotly-stream-state', { state, previous, reason });
  }

  #emitError(error: StreamError): void {
    this.#dispatch('plotly-stream-error', error);
  }

  #dispatch<K extends keyof PlotlyStreamEventMap>(type: K, detail: PlotlyStreamEventMap[K]['detail']): void {
    fire(this, type, detail);
  }
}

/** Dispatches a bubbling, composed CustomEvent (outside the class: the manifest lists events by name). */
function fire(target: EventTarget, type: string, detail: unknown): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

export interface PlotlyStreamEventMap {
  'plotly-stream-state': CustomEvent<StreamStateDetail>;
  'plotly-stream-error': CustomEvent<StreamErrorDetail>;
  'plotly-stream-render': CustomEvent<StreamRenderDetail>;
  'plotly-stream-reset': CustomEvent<StreamResetDetail>;
  'plotly-stream-view': CustomEvent<StreamViewDetail>;
}

declare global {
  interface HTMLElementTagNameMap {
    'plotly-stream': PlotlyStreamElement;
  }
  // Augmentation: the empty body adds the element's events to every addEventListener's types.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface GlobalEventHandlersEventMap extends PlotlyStreamEventMap {}
}
