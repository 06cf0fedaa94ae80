/**
 * `<plotly-stream>` in Vue 3 templates (vue-tsc / Volar). Add `import 'plotly-stream/vue';` (types
 * only) once, and tell Vue's compiler it is a custom element:
 * `compilerOptions.isCustomElement: (tag) => tag === 'plotly-stream'`.
 */
import type { DefineComponent } from 'vue';
import type {
  PlotlyStreamElement,
  StreamErrorDetail,
  StreamRenderDetail,
  StreamResetDetail,
  StreamStateDetail,
  StreamViewDetail,
} from 'plotly-stream';

export type PlotlyStreamVueProps = Partial<
  Pick<
    PlotlyStreamElement,
    'figure' | 'src' | 'maxFps' | 'staleAfter' | 'paused' | 'hideBadge' | 'plotly' | 'accessToken'
  >
> & {
  transport?: 'auto' | 'websocket' | 'sse';
  decimate?: 'auto' | 'off';
  'onPlotly-stream-state'?: (event: CustomEvent<StreamStateDetail>) => void;
  'onPlotly-stream-error'?: (event: CustomEvent<StreamErrorDetail>) => void;
  'onPlotly-stream-render'?: (event: CustomEvent<StreamRenderDetail>) => void;
  'onPlotly-stream-reset'?: (event: CustomEvent<StreamResetDetail>) => void;
  'onPlotly-stream-view'?: (event: CustomEvent<StreamViewDetail>) => void;
};

declare module 'vue' {
  interface GlobalComponents {
    'plotly-stream': DefineComponent<PlotlyStreamVueProps>;
  }
}
