/**
 * `<plotly-stream>` in TSX (React 19). Add `import 'plotly-stream/react';` (types only) once in your
 * app. Props are the element's properties; events are `onplotly-stream-state` and friends (React 19
 * sets properties and event listeners on custom elements).
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { PlotlyStreamElement, PlotlyStreamEventMap } from 'plotly-stream';

type EventProps = {
  [K in keyof PlotlyStreamEventMap as `on${K}`]?: (event: PlotlyStreamEventMap[K]) => void;
};

export type PlotlyStreamProps = DetailedHTMLProps<HTMLAttributes<PlotlyStreamElement>, PlotlyStreamElement> &
  Partial<
    Pick<
      PlotlyStreamElement,
      'figure' | 'src' | 'maxFps' | 'staleAfter' | 'paused' | 'hideBadge' | 'plotly' | 'accessToken'
    >
  > & {
    transport?: 'auto' | 'websocket' | 'sse';
    decimate?: 'auto' | 'off';
  } & EventProps;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'plotly-stream': PlotlyStreamProps;
    }
  }
}
