// Mounts the example: index.html?relay=http://127.0.0.1:8080
import { createRoot } from 'react-dom/client';
import { LiveChart } from './LiveChart';

const relay = new URLSearchParams(location.search).get('relay') ?? 'http://127.0.0.1:8080';
const root = createRoot(document.getElementById('app') as HTMLElement);
root.render(<LiveChart relay={relay} />);
(window as unknown as { app: { unmount(): void } }).app = { unmount: () => root.unmount() };
