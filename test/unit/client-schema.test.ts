import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateClientSchema, SCHEMA_FILE } from '../../client/generate.ts';

describe('the typed client', () => {
  it('is generated from the current openapi.yaml (npm run generate:client)', async () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    // A plain equality, not toBe: vitest would print a 700-line diff.
    const current = committed === (await generateClientSchema());
    expect(current, 'client/schema.ts is out of date with openapi.yaml: run npm run generate:client').toBe(true);
  });
});
