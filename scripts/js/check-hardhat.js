// Compares Hardhat's runtime bytecode with the committed artifacts (contracts/artifacts/*.json).
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..', '..');
const ours = path.join(root, 'contracts', 'artifacts');
const theirs = path.join(root, 'artifacts-hardhat', 'contracts');
let failures = 0, checked = 0;
for (const file of fs.readdirSync(ours).filter((f) => f.endsWith('.json'))) {
  const a = JSON.parse(fs.readFileSync(path.join(ours, file), 'utf8'));
  const hh = path.join(theirs, path.relative('contracts', a.sourceName), a.contractName + '.json');
  if (!fs.existsSync(hh)) { console.error('missing in hardhat output: ' + a.contractName); failures++; continue; }
  const b = JSON.parse(fs.readFileSync(hh, 'utf8'));
  checked++;
  if (a.deployedBytecode !== b.deployedBytecode || a.bytecode !== b.bytecode) {
    console.error('bytecode differs: ' + a.contractName); failures++;
  }
}
console.log(`hardhat: ${checked} contracts checked, ${failures} mismatches`);
process.exit(failures || checked === 0 ? 1 : 0);
