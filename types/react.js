// Types only: see react.d.ts. This module exists so 'import "plotly-stream/react"' also works at run time.
export {};
