// Parses an AsyncAPI document with the official parser; prints every diagnostic, fails on errors and warnings.
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';

const { document, diagnostics } = await new Parser().parse(readFileSync(process.argv[2], 'utf8'));
for (const d of diagnostics) {
  console.log(JSON.stringify({ severity: d.severity, code: d.code, message: d.message, path: d.path.join('/') }));
}
const failing = diagnostics.filter((d) => d.severity <= DiagnosticSeverity.Warning);
process.exit(document && failing.length === 0 ? 0 : 1);
