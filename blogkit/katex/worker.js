'use strict';
// blogkit's KaTeX worker: one JSON request per stdin line, one JSON reply per stdout line.
//
//   {"config": {"macros": {"\\R": "\\mathbb{R}"}}}       sets the macros (no reply)
//   {"version": true}                                   -> {"version": "0.16.x"}
//   {"id": 7, "tex": "...", "display": true, "output": "htmlAndMathml" | "mathml"}
//     -> {"id": 7, "html": "...", "warnings": [...]}
//     -> {"id": 7, "error": "<rawMessage>", "position": <int | null>, "warnings": []}
//
// Requests are answered strictly in order. Nothing a request contains may crash the worker.
// `position` counts Unicode code points (like a Python str index), not UTF-16 units.

const path = require('path');
const readline = require('readline');

// Only replies may reach stdout: anything KaTeX (or Node) logs goes to stderr.
console.log = console.error;
console.info = console.error;
console.warn = console.error;

const nodeModules = process.env.BLOGKIT_KATEX_NODE_MODULES;
if (!nodeModules) {
  process.stderr.write('BLOGKIT_KATEX_NODE_MODULES is not set\n');
  process.exit(2);
}
const katex = require(path.join(nodeModules, 'katex'));
const testHooks = process.env.BLOGKIT_TEST_HANG === '1';
const OUTPUTS = new Set(['html', 'mathml', 'htmlAndMathml']);

let macros = {};

function reply(obj) {
  let line;
  try {
    line = JSON.stringify(obj);
  } catch (e) {
    line = JSON.stringify({id: obj && obj.id, error: 'unserialisable reply', position: null,
      warnings: []});
  }
  process.stdout.write(line + '\n');
}

// Lone UTF-16 surrogates cannot be written as UTF-8 downstream: replace them with U+FFFD.
function wellFormed(s) {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD');
}

function codePointOffset(s, units) {
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 0 || units > s.length) {
    return null;
  }
  return Array.from(s.slice(0, units)).length;
}

function setConfig(config) {
  const fresh = {};
  if (config && typeof config === 'object' && config.macros && typeof config.macros === 'object') {
    for (const [name, body] of Object.entries(config.macros)) {
      if (typeof body === 'string') fresh[name] = body;
    }
  }
  macros = fresh;
}

function testHook(tex) {
  if (tex === '\\blogkitTestHang') {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600000);
  } else if (tex === '\\blogkitTestCrash') {
    process.exit(3);
  }
}

function render(req) {
  const id = req.id === undefined ? null : req.id;
  if (typeof req.tex !== 'string') {
    return {id, error: 'request has no "tex" string', position: null, warnings: []};
  }
  const tex = wellFormed(req.tex);
  if (testHooks) testHook(tex);
  const warnings = [];
  const options = {
    displayMode: req.display === true,
    output: OUTPUTS.has(req.output) ? req.output : 'htmlAndMathml',
    macros: Object.assign({}, macros),
    throwOnError: true,
    strict: (errorCode, errorMsg) => {
      warnings.push(String(errorMsg) + ' [' + String(errorCode) + ']');
      return 'ignore';
    },
    trust: false,
  };
  try {
    return {id, html: katex.renderToString(tex, options), warnings};
  } catch (e) {
    if (e instanceof katex.ParseError) {
      return {id, error: wellFormed(String(e.rawMessage)),
        position: codePointOffset(tex, e.position), warnings: []};
    }
    const message = e && typeof e === 'object' && 'message' in e ? e.message : e;
    return {id, error: wellFormed(String(message)), position: null, warnings: []};
  }
}

let currentId = null;

function handle(line) {
  currentId = null;
  if (!line.trim()) return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    reply({id: null, error: 'request is not JSON', position: null, warnings: []});
    return;
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    reply({id: null, error: 'request is not a JSON object', position: null, warnings: []});
    return;
  }
  currentId = req.id === undefined ? null : req.id;
  if ('config' in req) {
    setConfig(req.config);
    return;
  }
  if (req.version === true) {
    reply(req.id === undefined ? {version: katex.version} : {id: req.id, version: katex.version});
    return;
  }
  reply(render(req));
}

const rl = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
rl.on('line', (line) => {
  try {
    handle(line);
  } catch (e) {
    // Last resort (e.g. a stack overflow while building the reply): still answer.
    try {
      reply({id: currentId, error: 'internal worker error: ' + String(e && e.message),
        position: null, warnings: []});
    } catch (ignored) {
      // nothing left to do
    }
  }
});
rl.on('close', () => process.exit(0));
process.stdout.on('error', () => process.exit(0));
