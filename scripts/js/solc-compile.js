// Reads a solc standard-JSON input on stdin, writes the standard-JSON output on stdout.
// Used by chain_client.compile (offline: the WASM compiler shipped in npm `solc`).
'use strict';
const solc = require('solc');
const fs = require('fs');
const path = require('path');

if (process.argv.includes('--version')) {
  process.stdout.write(solc.version() + '\n');
  process.exit(0);
}
const input = fs.readFileSync(0, 'utf8');
const root = process.cwd();
function findImports(p) {
  for (const base of [root, path.join(root, 'node_modules')]) {
    const full = path.join(base, p);
    if (fs.existsSync(full)) return { contents: fs.readFileSync(full, 'utf8') };
  }
  return { error: 'File not found: ' + p };
}
process.stdout.write(solc.compile(input, { import: findImports }));
