import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { XucError } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';

// The spec and Redoc's standalone bundle are shipped next to the function (package.patterns),
// not bundled into it, and read once per container. No CDN is involved. On Lambda they are in the
// task root; under serverless-offline, in the service folder it runs from.
const roots = [process.env.LAMBDA_TASK_ROOT, process.cwd()].filter((root): root is string => Boolean(root));
const read = (file: string): string => {
  const root = roots.find((candidate) => existsSync(join(candidate, file)));
  if (!root)
    throw new XucError('ServiceUnavailable', {
      message: 'The documentation is not installed',
      cause: new Error(`${file} not found`),
    });
  return readFileSync(join(root, file), 'utf8');
};
const SCRIPT_PATH = '/docs/redoc.standalone.js';
let page: string | undefined;
let script: string | undefined;

function renderPage(): string {
  const spec = parse(read('openapi.yaml')) as unknown;
  // Inside a <script> element, "<" must not open a tag: "</script>" in the spec would end it.
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xuc-auth API reference</title>
</head>
<body>
<div id="redoc"></div>
<script src="${SCRIPT_PATH}"></script>
<script>Redoc.init(${json}, { hideDownloadButton: false, expandResponses: "200" }, document.getElementById("redoc"));</script>
</body>
</html>`;
}

/** `GET /docs`: the API reference rendered by Redoc from openapi.yaml. */
export const handler = httpHandler((event) => {
  const common = { 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=300' };
  if (event.rawPath === SCRIPT_PATH) {
    // The only outside address in Redoc's bundle is its attribution logo: served inline instead.
    script ??= read('node_modules/redoc/bundles/redoc.standalone.js').replace(
      'https://cdn.redoc.ly/redoc/logo-mini.svg',
      'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E',
    );
    return { statusCode: 200, headers: { ...common, 'content-type': 'text/javascript; charset=utf-8' }, body: script };
  }
  page ??= renderPage();
  return { statusCode: 200, headers: { ...common, 'content-type': 'text/html; charset=utf-8' }, body: page };
});
