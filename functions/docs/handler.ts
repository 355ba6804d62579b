import { apiReference } from '../../shared/docs/api-reference.ts';
import { header } from '../../shared/http/request.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';

/** `GET /docs` (Redoc), its script, and `GET /openapi.json`: the API reference from openapi.yaml. */
export const handler = httpHandler((event) => apiReference(event.rawPath, header(event.headers, 'if-none-match')));
