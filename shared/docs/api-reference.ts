import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// Parsed when the function is bundled (infra/bundle/yaml-as-json.ts): no YAML parser at run time.
import spec from '../../openapi.yaml';
import { XucError } from '../errors.ts';
import type { HttpResult } from '../http/responses.ts';

export const SPEC_PATH = '/openapi.json';
export const SCRIPT_PATH = '/docs/redoc.standalone.js';

/** A document that changes only with a deployment: cached for a while, then revalidated by its ETag. */
interface StaticDocument {
  body: string;
  contentType: string;
  etag: string;
}

function staticDocument(body: string, contentType: string): StaticDocument {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

// Redoc's standalone bundle is shipped next to the function (package.patterns), not bundled into
// it, and read once per container. No CDN is involved. On Lambda it is in the task root; under
// serverless-offline, in the service folder it runs from.
const roots = [process.env.LAMBDA_TASK_ROOT, process.cwd()].filter((root): root is string => Boolean(root));
function read(file: string): string {
  const root = roots.find((candidate) => existsSync(join(candidate, file)));
  if (!root)
    throw new XucError('ServiceUnavailable', {
      message: 'The documentation is not installed',
      cause: new Error(`${file} not found`),
    });
  return readFileSync(join(root, file), 'utf8');
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xuc-auth API reference</title>
</head>
<body>
<div id="redoc"></div>
<script src="${SCRIPT_PATH}"></script>
<script>Redoc.init("${SPEC_PATH}", { hideDownloadButton: false, expandResponses: "200" }, document.getElementById("redoc"));</script>
</body>
</html>`;

/** Built at the first request for it, then kept for the container's life. */
function once(make: () => StaticDocument): () => StaticDocument {
  let document: StaticDocument | undefined;
  return () => (document ??= make());
}

const page = once(() => staticDocument(PAGE, 'text/html; charset=utf-8'));
const documents = new Map<string, () => StaticDocument>([
  [SPEC_PATH, once(() => staticDocument(JSON.stringify(spec), 'application/json; charset=utf-8'))],
  [
    SCRIPT_PATH,
    once(() =>
      staticDocument(
        // The only outside address in Redoc's bundle is its attribution logo: served inline instead.
        read('node_modules/redoc/bundles/redoc.standalone.js').replace(
          'https://cdn.redoc.ly/redoc/logo-mini.svg',
          'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E',
        ),
        'text/javascript; charset=utf-8',
      ),
    ),
  ],
]);

/** Whether an `If-None-Match` header names this ETag (weak comparison, RFC 9110 §13.1.2). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/**
 * The API reference at `path`: the Redoc page, its script or the OpenAPI document as JSON, each
 * built once per container; 304 when the client already holds it (`If-None-Match`).
 */
export function apiReference(path: string, ifNoneMatch: string | undefined): HttpResult {
  const document = (documents.get(path) ?? page)();
  const headers = {
    'cache-control': 'public, max-age=300',
    etag: document.etag,
    'x-content-type-options': 'nosniff',
  };
  if (matches(ifNoneMatch, document.etag)) return { statusCode: 304, headers };
  return { statusCode: 200, headers: { ...headers, 'content-type': document.contentType }, body: document.body };
}
