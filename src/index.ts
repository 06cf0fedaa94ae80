/**
 * plotly-stream: live Plotly charts fed by a relay or by `write()`.
 * Importing this module defines `<plotly-stream>` (a second import or define is harmless).
 */
import { PlotlyStreamElement } from './plotly-stream.js';

export { PlotlyStreamElement };
export type {
  PlotlyStreamEventMap,
  StreamErrorDetail,
  StreamRenderDetail,
  StreamResetDetail,
  StreamState,
  StreamStateDetail,
} from './plotly-stream.js';
export type { StreamStats } from './plot-model.js';
export type { PlotlyApi } from './render.js';
export type { FrameScheduler } from './frame-loop.js';
export { PER_POINT_KEYS } from './messages.js';
export { DEFAULT_MAXPOINTS } from './figure.js';

PlotlyStreamElement.define();
