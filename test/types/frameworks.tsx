// Type tests (tsc -p tsconfig.examples.json): what must and must not type-check in TSX and Vue.
import type { ComponentCustomProps, GlobalComponents } from 'vue';
import type { PlotlyStreamElement } from 'plotly-stream';
import 'plotly-stream/react';
import 'plotly-stream/vue';

export const ok = (
  <plotly-stream
    src="http://127.0.0.1:8080"
    transport="sse"
    maxFps={10}
    paused
    figure={{ data: [] }}
    onplotly-stream-state={(e) =>
      e.detail.state satisfies 'idle' | 'connecting' | 'live' | 'stale' | 'reconnecting' | 'closed'
    }
    onplotly-stream-error={(e) => e.detail.code.toUpperCase()}
    ref={(el: PlotlyStreamElement | null) => {
      el?.write('A', { y: 1 });
    }}
  />
);

// @ts-expect-error: not a transport
export const badTransport = <plotly-stream transport="carrier-pigeon" />;
// @ts-expect-error: maxFps is a number
export const badFps = <plotly-stream maxFps="fast" />;
// @ts-expect-error: the state event's detail has no `count`
export const badEvent = <plotly-stream onplotly-stream-state={(e) => e.detail.count} />;

// Vue: the tag is a known global component with typed props.
type VueProps = GlobalComponents['plotly-stream'] extends new (...args: never[]) => { $props: infer P } ? P : never;
export const vueProps: VueProps & ComponentCustomProps = {
  src: 'http://127.0.0.1:8080',
  transport: 'websocket',
  maxFps: 5,
};
// @ts-expect-error: not a transport
export const vueBad: VueProps = { transport: 'carrier-pigeon' };
