import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The build the cold starts of `npm run bench` load: one build, so that the bytes held to budget
// here are the bytes measured there.
import { buildBundles, type Bundle } from '../../infra/bundle/bundles.ts';

const KB = 1024;
/** The authorizer runs in front of every API call: it is held tighter than the others. */
const BUDGET = { authorizer: 200 * KB, others: 600 * KB };
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FUNCTIONS = readdirSync(join(ROOT, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

let outdir: string;
let bundles: Bundle[];

/** The npm package an input file belongs to, or `(this repository)`. */
function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return '(this repository)';
  const name = parts[at + 1] ?? '?';
  return name.startsWith('@') ? `${name}/${parts[at + 2] ?? '?'}` : name;
}

/** The packages that weigh most in a bundle, to say what grew when the budget is missed. */
function largest(bundle: Bundle, count = 5): string {
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(bundle.inputs)) {
    bytes.set(packageOf(input), (bytes.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, n]) => `${name} ${(n / KB).toFixed(0)} KB`)
    .join(', ');
}

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'xuc-auth-bundles-'));
  bundles = await buildBundles(ROOT, outdir);
}, 60_000);

afterAll(() => rm(outdir, { recursive: true, force: true }));

describe('Lambda bundle sizes (esbuild with serverless.yml custom.esbuild)', () => {
  it.each(FUNCTIONS)('%s fits its budget', (name) => {
    const bundle = bundles.find((b) => b.name === name);
    expect(bundle, `no bundle for ${name}`).toBeDefined();
    const budget = name === 'authorizer' ? BUDGET.authorizer : BUDGET.others;
    expect(
      bundle!.bytes,
      `${name}: ${(bundle!.bytes / KB).toFixed(0)} KB; largest: ${largest(bundle!)}`,
    ).toBeLessThanOrEqual(budget);
  });
});
