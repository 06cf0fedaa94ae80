/**
 * The element's shadow styles: the host box, the plot slot and the state badge with its Live button.
 * What a page may change is the `--plotly-stream-*` custom properties and the `badge` and
 * `live-button` parts (documented on the element).
 */
import { css } from 'lit';

// The host is laid out, painted and composited apart from the page (`contain`, `will-change`):
// fifty charts redrawing in turn otherwise make the browser re-layerize the whole page each frame.
// The badge's label is hidden while live: the normal case, the dot alone says it; other states spell
// themselves out.
export const elementStyles = css`
  :host {
    display: block;
    position: relative;
    contain: layout paint;
    will-change: transform;
  }
  :host([hidden]) {
    display: none;
  }
  ::slotted(*) {
    width: 100%;
    height: 100%;
  }
  .badge {
    position: absolute;
    top: 4px;
    left: 4px;
    z-index: 1002;
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 1px 6px;
    border-radius: 9px;
    pointer-events: none;
    background: var(--plotly-stream-badge-background, rgba(255, 255, 255, 0.85));
    color: var(--plotly-stream-badge-color, #444);
    font: var(--plotly-stream-badge-font, 11px/1.4 system-ui, sans-serif);
  }
  .badge::before {
    content: '';
    width: 7px;
    height: 7px;
    border-radius: 50%;
    background: var(--plotly-stream-idle-color, #999);
  }
  :host([state='live']) .badge::before {
    background: var(--plotly-stream-live-color, #2ca02c);
  }
  :host([state='stale']) .badge::before,
  :host([state='reconnecting']) .badge::before {
    background: var(--plotly-stream-stale-color, #ff7f0e);
  }
  :host([state='live']) .label {
    display: none;
  }
  :host([state='closed']) .badge::before {
    background: var(--plotly-stream-closed-color, #d62728);
  }
  :host([paused]) .label {
    display: inline;
  }
  .reason {
    max-width: 40em;
    white-space: normal;
  }
  .live {
    pointer-events: auto;
    font: inherit;
    color: inherit;
    border: 1px solid;
    border-radius: 8px;
    padding: 0 5px;
    background: none;
    cursor: pointer;
  }
`;
