/** The layout holds: src/shared, src/element and src/relay import only what their side may. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { layoutViolations, relayPartViolations, type SourceFile } from '../support/boundaries.js';

function sources(dir: string): SourceFile[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name).replaceAll('\\', '/'))
    .map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** Type errors of `files` compiled with a project's options (its lib and types). */
function typeErrors(project: string, files: string[], extra: Record<string, string> = {}): string[] {
  const config = ts.readConfigFile(project, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, '.');
  const options = {
    ...parsed.options,
    noEmit: true,
    emitDeclarationOnly: false,
    declaration: false,
    declarationMap: false,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => extra[name] ?? readFile(name);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name in extra || fileExists(name);
  const program = ts.createProgram([...files, ...Object.keys(extra)], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the layout', () => {
  it('holds in src/: shared imports only shared, the element and the relay never import each other', () => {
    assert.deepEqual(layoutViolations(sources('src')), []);
  });

  it('is really checked: each kind of violation is caught', () => {
    const problems = layoutViolations([
      {
        path: 'src/element/x.ts',
        text: "import { createRelay } from '../relay/server.js';\nimport fs from 'node:fs';",
      },
      {
        path: 'src/relay/x.ts',
        text: "import { PlotModel } from '../element/plot-model.js';\nimport 'lit';\nconst e = '{\"type\":\"data\"}';",
      },
      {
        path: 'src/shared/x.ts',
        text: "const m = await import('../element/figure.js');\nexport * from 'node:crypto';",
      },
      { path: 'src/index.ts', text: "export { createRelay } from './relay/index.js';" },
    ]);
    assert.equal(problems.length, 8, problems.join('\n'));
  });

  it("holds in src/relay/: each part imports only the parts below it (docs/architecture.md, 'The relay in parts')", () => {
    assert.deepEqual(relayPartViolations(sources('src/relay')), []);
  });

  it('the relay parts are really checked: an import upward or sideways is caught', () => {
    const problems = relayPartViolations([
      { path: 'src/relay/engines/x.ts', text: "import { Viewers } from '../viewers/viewers.js';" },
      { path: 'src/relay/access/x.ts', text: "import { createRelay } from '../server.js';" },
      { path: 'src/relay/viewers/x.ts', text: "import { Producers } from '../producers/producers.js';" },
      { path: 'src/relay/producers/x.ts', text: "import { Router } from '../http/router.js';" },
      { path: 'src/relay/metrics.ts', text: "import { MemoryEngine } from './engines/memory-engine.js';" },
      { path: 'src/relay/http/x.ts', text: "import { Lifecycle } from '../lifecycle.js';" },
      // Allowed: below, common ground, shared, the top importing anything.
      {
        path: 'src/relay/viewers/y.ts',
        text: "import type { Engine } from '../engines/engine.js';\nimport { sendText } from '../http/http.js';",
      },
      { path: 'src/relay/server.ts', text: "import { Router } from './http/router.js';" },
    ]);
    assert.equal(problems.length, 6, problems.join('\n'));
  });

  it('src/shared compiles with no DOM and no Node types, and a stray document or Buffer is a type error', () => {
    const shared = sources('src/shared').map((f) => f.path);
    assert.deepEqual(typeErrors('tsconfig.shared.json', shared), []);
    const stray = typeErrors('tsconfig.shared.json', [], {
      'src/shared/stray.ts': "export const a = document.title;\nexport const b = Buffer.from('x');\n",
    });
    assert.equal(stray.length, 2, stray.join('\n'));
  });

  it('the element compiles without Node types (a stray Buffer is an error); the relay without the DOM', () => {
    const element = typeErrors('tsconfig.build.json', [], {
      'src/element/stray.ts': "export const b = Buffer.from('x');\n",
    });
    assert.equal(element.length, 1, element.join('\n'));
    const relay = typeErrors('tsconfig.node.json', [], { 'src/relay/stray.ts': 'export const a = document.title;\n' });
    assert.equal(relay.length, 1, relay.join('\n'));
  });
});
