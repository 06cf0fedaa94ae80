// plotly.js-basic-dist ships no types; the element uses only the calls PlotlyApi lists.
declare module 'plotly.js-basic-dist' {
  const Plotly: import('../element/plotly-api.js').PlotlyApi;
  export default Plotly;
}
