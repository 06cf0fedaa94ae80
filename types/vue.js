// Types only: see vue.d.ts. This module exists so 'import "plotly-stream/vue"' also works at run time.
export {};
