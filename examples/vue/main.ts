// Mounts the example: index.html?relay=http://127.0.0.1:8080
import { createApp } from 'vue';
import { LiveChart } from './LiveChart';

const relay = new URLSearchParams(location.search).get('relay') ?? 'http://127.0.0.1:8080';
const app = createApp(LiveChart, { relay });
// <plotly-stream> is a custom element, not a Vue component.
app.config.compilerOptions.isCustomElement = (tag) => tag === 'plotly-stream';
app.mount('#app');
(window as unknown as { app: { unmount(): void } }).app = { unmount: () => app.unmount() };
