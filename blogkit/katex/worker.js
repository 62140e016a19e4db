'use strict';
// blogkit's KaTeX worker: one JSON request per stdin line, one JSON reply per stdout line.
//
//   {"config": {"macros": {"\\R": "\\mathbb{R}"}}}       sets the macros (no reply)
//   {"version": true}                                   -> {"version": "0.16.x"}
//   {"id": 7, "tex": "...", "display": true, "output": "htmlAndMathml" | "mathml",
//    "context": ["\\newcommand{\\E}{\\mathbb{E}}", ...]}      (context: optional)
//     -> {"id": 7, "html": "...", "warnings": [...]}
//     -> {"id": 7, "error": "<rawMessage>", "position": <int | null>, "warnings": []}
//
// Requests are answered strictly in order. Nothing a request contains may crash the worker.
// `position` counts Unicode code points (like a Python str index), not UTF-16 units.
//
// `context` is the TeX of the formulas before this one in its post that define macros
// (\newcommand, \def...), in source order: they are run first, with KaTeX's `globalGroup`,
// on a copy of the site's macros, so what they define applies here (the "persistent macros"
// of KaTeX's API docs, one macro table per post instead of per page). A formula that renders
// to nothing at all (one that only defines macros) is answered with "" so the page shows no
// empty box. Each kind of strict-mode warning is reported once per formula.

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

// Macros every formula has, before the site's own (which may replace them). KaTeX has no
// \DeclareMathOperator (KaTeX issue #221), which MathJax and amsmath authors write at the
// top of a post: it defines its name as \operatorname (\operatorname* with the star).
const BUILTIN_MACROS = {
  '\\DeclareMathOperator': '\\@ifstar\\blogkit@operator@star\\blogkit@operator',
  '\\blogkit@operator': '\\def#1{\\operatorname{#2}}',
  '\\blogkit@operator@star': '\\def#1{\\operatorname*{#2}}',
};

let macros = Object.assign({}, BUILTIN_MACROS);

// The macro table after each context seen lately, by the context (its formulas' TeX as JSON
// strings, one after the other): a post's formulas share one, however the batch is ordered.
const tables = new Map();
const TABLES_KEPT = 256;
const EMPTY_MATH = '<semantics><mrow></mrow><annotation ';

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
  const fresh = Object.assign({}, BUILTIN_MACROS);
  if (config && typeof config === 'object' && config.macros && typeof config.macros === 'object') {
    for (const [name, body] of Object.entries(config.macros)) {
      if (typeof body === 'string') fresh[name] = body;
    }
  }
  macros = fresh;
  tables.clear();
}

// The macros in force after the context's formulas: each is run (once, then remembered)
// on a copy of the table before it, so no post's definitions reach another's table.
function tableFor(context) {
  let table = macros;
  let key = '';
  for (const tex of context) {
    key += JSON.stringify(tex);
    let next = tables.get(key);
    if (next === undefined) {
      next = Object.assign({}, table);
      try {
        katex.renderToString(wellFormed(tex), {macros: next, globalGroup: true,
          throwOnError: true, strict: 'ignore', trust: false, output: 'mathml'});
      } catch (e) {
        // That formula's own request reports its error, at its place; what it defined
        // before the error stays defined, the same way every time.
      }
      if (tables.size >= TABLES_KEPT) tables.delete(tables.keys().next().value);
      tables.set(key, next);
    }
    table = next;
  }
  return table;
}

// One warning per kind (code and wording) in a formula: KaTeX reports some once per
// character, e.g. unicodeTextInMathMode for each letter of 中文; their quoted parts are
// listed together instead ('Unicode text character "中", "文" used in math mode').
function summarise(reports) {
  const kinds = new Map();
  for (const [code, message] of reports) {
    const quoted = [];
    const shape = message.replace(/"([^"]*)"/g, (whole, inner) => {
      quoted.push(inner);
      return '"\u0000"';
    });
    const key = code + '\u0001' + shape;
    let kind = kinds.get(key);
    if (kind === undefined) {
      kind = {code, shape, parts: quoted.map(() => [])};
      kinds.set(key, kind);
    }
    quoted.forEach((inner, i) => {
      if (!kind.parts[i].includes(inner)) kind.parts[i].push(inner);
    });
  }
  return Array.from(kinds.values(), ({code, shape, parts}) => {
    let i = 0;
    const message = shape.replace(/"\u0000"/g, () => {
      const seen = parts[i++];
      const shown = seen.slice(0, 10).map((inner) => '"' + inner + '"').join(', ');
      return seen.length > 10 ? shown + ` (${seen.length} in all)` : shown;
    });
    return wellFormed(message + ' [' + code + ']');
  });
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
  const context = req.context === undefined ? [] : req.context;
  if (!Array.isArray(context) || !context.every((c) => typeof c === 'string')) {
    return {id, error: 'request "context" is not a list of strings', position: null,
      warnings: []};
  }
  const tex = wellFormed(req.tex);
  if (testHooks) testHook(tex);
  const reports = [];
  const options = {
    displayMode: req.display === true,
    output: OUTPUTS.has(req.output) ? req.output : 'htmlAndMathml',
    macros: Object.assign({}, tableFor(context)),
    throwOnError: true,
    strict: (errorCode, errorMsg) => {
      reports.push([String(errorCode), String(errorMsg)]);
      return 'ignore';
    },
    trust: false,
  };
  try {
    const html = katex.renderToString(tex, options);
    return {id, html: html.includes(EMPTY_MATH) ? '' : html, warnings: summarise(reports)};
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
