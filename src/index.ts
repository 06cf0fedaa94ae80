/**
 * plotly-stream: live Plotly charts fed by a relay or by `write()`.
 * Importing this module defines `<plotly-stream>` (a second import or define is harmless);
 * `plotly-stream/element` gives the same names without defining anything.
 */
import { PlotlyStreamElement } from './element.js';

export * from './element.js';

PlotlyStreamElement.define();
