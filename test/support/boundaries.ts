/**
 * The layout's rules, checked on source text: which side of src/ may import what. Kept apart from
 * its test so the test can also prove it catches a violation.
 */
import { posix } from 'node:path';

export interface SourceFile {
  /** Path from the repository root, with forward slashes (`src/element/figure.ts`). */
  path: string;
  text: string;
}

type Side = 'shared' | 'element' | 'relay' | 'producer' | 'entry';

function sideOf(path: string): Side | null {
  if (path.startsWith('src/shared/')) return 'shared';
  if (path.startsWith('src/element/') || path === 'src/element.ts' || path === 'src/types/plotly-basic.d.ts')
    return 'element';
  if (path.startsWith('src/relay/')) return 'relay';
  if (path.startsWith('src/producer/')) return 'producer';
  if (path === 'src/index.ts') return 'entry';
  return null;
}

/** Every module specifier of a file: static imports and re-exports, side-effect imports, `import()`. */
export function importsOf(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

const NODE_ONLY = /^(node:|ws$)/;
const BROWSER_ONLY = /^(lit($|\/)|@lit\/|plotly\.js)/;

/** What each side may not import; an empty list when the layout holds. */
export function layoutViolations(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const side = sideOf(file.path);
    if (side === null) continue;
    for (const specifier of importsOf(file.text)) {
      const relative = specifier.startsWith('.');
      const target = relative
        ? sideOf(posix.normalize(posix.join(posix.dirname(file.path), specifier)).replace(/\.js$/, '.ts'))
        : null;
      const say = (why: string) => problems.push(`${file.path} imports '${specifier}': ${why}`);
      if (side === 'shared') {
        if (!relative) say('src/shared/ uses neither packages nor Node nor the DOM');
        else if (target !== 'shared') say('src/shared/ imports only src/shared/');
      } else if (side === 'element' || side === 'entry') {
        if (target === 'relay') say('the element never imports the relay');
        if (!relative && NODE_ONLY.test(specifier)) say('the element runs in browsers: no Node modules');
      } else if (side === 'relay') {
        if (target === 'element' || target === 'entry') say('the relay never imports the element');
        if (!relative && BROWSER_ONLY.test(specifier)) say('the relay runs in Node: no browser packages');
      } else if (side === 'producer') {
        if (target === 'element' || target === 'entry' || target === 'relay')
          say('the producer is a client of the relay: it imports only src/shared/');
        if (!relative && BROWSER_ONLY.test(specifier)) say('the producer runs in Node: no browser packages');
      }
    }
    // The wire is encoded in one place (shared/protocol.ts): the relay writes no event JSON by hand.
    if (side === 'relay' && /["'`]\{?\\?"type\\?"\s*:/.test(file.text)) {
      problems.push(`${file.path} builds event JSON by hand: use the encoders of src/shared/protocol.ts`);
    }
  }
  return problems;
}

/**
 * The relay's parts (docs/architecture.md, "The relay in parts"): a folder of src/relay/ and the
 * parts it may import besides itself, src/shared/ and the common ground. The modules at the top
 * (server.ts, the CLI, lifecycle.ts, options.ts, workers.ts, index.ts) may import any part.
 */
export const RELAY_PARTS: Readonly<Record<string, readonly string[]>> = {
  engines: [],
  access: [],
  producers: ['engines', 'access'],
  viewers: ['engines', 'access'],
  charts: ['engines', 'access'],
  http: ['engines', 'access', 'producers', 'viewers', 'charts', 'options.ts'],
};

/** Modules every part may use: they import nothing of the relay's but each other. */
export const RELAY_COMMON = ['constants.ts', 'log.ts', 'metrics.ts', 'byte-budget.ts', 'http/http.ts'];

/** Which part a path of src/relay/ is in: a common module, a part's folder, or `top`. */
function relayPartOf(path: string): string {
  const inRelay = path.slice('src/relay/'.length);
  if (RELAY_COMMON.includes(inRelay)) return 'common';
  const folder = inRelay.split('/')[0] as string;
  if (folder in RELAY_PARTS) return folder;
  return inRelay === 'options.ts' ? 'options.ts' : 'top';
}

/** Imports of one relay part from another it may not touch; an empty list when the parts hold. */
export function relayPartViolations(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    if (!file.path.startsWith('src/relay/')) continue;
    const part = relayPartOf(file.path);
    if (part === 'top' || part === 'options.ts') continue;
    for (const specifier of importsOf(file.text)) {
      if (!specifier.startsWith('.')) continue;
      const path = posix.normalize(posix.join(posix.dirname(file.path), specifier)).replace(/\.js$/, '.ts');
      if (!path.startsWith('src/relay/')) continue;
      const target = relayPartOf(path);
      if (target === part || target === 'common') continue;
      if (part !== 'common' && (RELAY_PARTS[part] ?? []).includes(target)) continue;
      problems.push(
        `${file.path} imports '${specifier}': ${part === 'common' ? 'common ground' : `relay/${part}/`} may not import ${target === 'top' || target === 'options.ts' ? 'the top of the relay' : `relay/${target}/`}`,
      );
    }
  }
  return problems;
}
