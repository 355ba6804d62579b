/**
 * `npm run generate:client`: the client's types (client/schema.ts) from openapi.yaml, by
 * openapi-typescript, formatted as the repository formats TypeScript. A unit test compares the
 * committed file with this function's output, so that the client never lags the contract.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

export const SPEC_FILE = fileURLToPath(new URL('../openapi.yaml', import.meta.url));
export const SCHEMA_FILE = fileURLToPath(new URL('schema.ts', import.meta.url));

/**
 * The text client/schema.ts must hold for the current openapi.yaml, or for `document`: the
 * contract as a deployment serves it at /openapi.json.
 */
export async function generateClientSchema(document: URL | OpenAPI3 = pathToFileURL(SPEC_FILE)): Promise<string> {
  const ast = await openapiTS(document);
  const source = `${COMMENT_HEADER.replace(
    'openapi-typescript.',
    'openapi-typescript from openapi.yaml (npm run generate:client).',
  )}${astToString(ast)}`;
  return format(source, { ...(await resolveConfig(SCHEMA_FILE)), filepath: SCHEMA_FILE });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(SCHEMA_FILE, await generateClientSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
