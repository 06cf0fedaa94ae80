/**
 * The Plotly calls the element makes: plotly.js-basic-dist, a page's own full build (`window.Plotly`)
 * or a test's spy can stand in for each other.
 */
export interface PlotlyApi {
  newPlot(gd: HTMLElement, data: unknown[], layout?: unknown, config?: unknown): Promise<unknown>;
  react(gd: HTMLElement, data: unknown[], layout?: unknown, config?: unknown): Promise<unknown>;
  extendTraces(
    gd: HTMLElement,
    update: Record<string, unknown[][]>,
    indices: number[],
    maxPoints?: Record<string, number[]>,
  ): Promise<unknown>;
  update(
    gd: HTMLElement,
    traceUpdate: Record<string, unknown[]>,
    layoutUpdate: Record<string, unknown>,
    indices?: number[],
  ): Promise<unknown>;
  /** `follow()` (returning held axes to autorange) and a stream frame's redraw of autoranged axes (`streamDraw`). */
  relayout(gd: HTMLElement, update: Record<string, unknown>): Promise<unknown>;
  purge(gd: HTMLElement): void;
  /** Plotly's version: `streamDraw` reads the internals of the majors it knows, and only those. */
  version?: string;
  Plots: { resize(gd: HTMLElement): Promise<unknown> | void };
}
