/**
 * `plotly-stream/producer`: stream points to a relay from Node (a service, a script, a device's
 * gateway). `createProducer(url, token, {key})` -> `write(message)`, `heartbeat()`, `close()`;
 * `plot(url, figure, {key})` -> a hosted chart's `url` and `embedUrl`, `update(edit)`, `delete()`.
 */
export {
  createProducer,
  Producer,
  ProducerRefusedError,
  type ProducerEvents,
  type ProducerOptions,
} from './producer.js';
export type { IngestError, IngestErrorCode, IngestSummary } from '../shared/ingest.js';
export { ChartError, HostedChart, plot, type ChartEdit, type ChartFigure, type PlotOptions } from './hosted-chart.js';
