/**
 * `plotly-stream/element`: the element class and its types, without defining any tag. For pages that
 * register it under their own name or in a scoped registry: `PlotlyStreamElement.define('my-chart')`.
 */
export { PlotlyStreamElement } from './element/plotly-stream.js';
export type {
  AccessToken,
  PlotlyStreamEventMap,
  StreamErrorDetail,
  StreamRenderDetail,
  StreamResetDetail,
  StreamState,
  StreamStateDetail,
  StreamStats,
  StreamViewDetail,
  Decimate,
} from './element/plotly-stream.js';
export type { View } from './element/view-hold.js';
export { STREAM_ERROR_CODES, type StreamErrorCode } from './element/errors.js';
export type { PlotlyApi } from './element/plotly-api.js';
export type { FrameScheduler } from './element/frame-loop.js';
export { PER_POINT_KEYS } from './shared/messages.js';
export { DEFAULT_MAXPOINTS } from './element/figure.js';
