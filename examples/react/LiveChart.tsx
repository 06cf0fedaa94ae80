// React 19: pass the figure as a property, listen to the element's events.
import { useState } from 'react';
import 'plotly-stream';
import type { StreamState } from 'plotly-stream';
import 'plotly-stream/react';

const figure = {
  data: [{ x: [], y: [], mode: 'lines', stream: { token: 'react-demo', maxpoints: 200 } }],
  layout: { title: { text: 'React' } },
};

export function LiveChart({ relay }: { relay: string }) {
  const [state, setState] = useState<StreamState>('idle');
  return (
    <div>
      <p>relay: {state}</p>
      <plotly-stream
        src={relay}
        figure={figure}
        maxFps={20}
        style={{ height: 300 }}
        onplotly-stream-state={(e) => setState(e.detail.state)}
      />
    </div>
  );
}
