import type { HttpRequestParts } from '../http/request.ts';

export interface RoutedRequest extends HttpRequestParts {
  rawPath?: string;
  routeKey?: string;
  requestContext?: { stage?: string };
}

/** Encoded `/` or `\`, or a NUL: a back end that decodes them again would see another path than we do. */
const AMBIGUOUS_ENCODING = /%(2f|5c|00)/i;

/**
 * The path as routing sees it: percent-decoded once, backslashes read as slashes (as URL parsers
 * and some back ends do), repeated slashes collapsed, dot segments resolved, so that
 * `/x/..//configmgt/` or `/\configmgt/` cannot slip past a route rule. Undefined when the path
 * cannot be read unambiguously: undecodable, a NUL, an encoded separator, or something still
 * percent-encoded after one decoding (`%2563onfigmgt`, which a second decoding makes `configmgt`).
 */
export function canonicalPath(rawPath: string): string | undefined {
  if (AMBIGUOUS_ENCODING.test(rawPath)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || /%[0-9a-f]{2}/i.test(decoded)) return undefined;
  try {
    const slashed = decoded.replaceAll('\\', '/').replace(/\/{2,}/g, '/');
    return new URL(slashed, 'http://path.invalid').pathname.replace(/\/{2,}/g, '/');
  } catch {
    // Not a path at all (`https://[::1/x`): no reading, below.
  }
  return undefined;
}

/** Path segments compared as lenient back ends match them: case-insensitively, `;parameters` cut off. */
const segmentsOf = (path: string): string[] =>
  path
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/;.*/s, '').toLowerCase());

const startsWithSegments = (path: string[], prefix: string[]): boolean =>
  prefix.length > 0 && prefix.every((segment, i) => path[i] === segment);

/**
 * Whether the request is for a route that admits only the shared token: its path (less a named
 * stage's prefix) or its route key starts with the whole segments of one of `prefixes`.
 * Undefined when the path cannot be read unambiguously (see `canonicalPath`): the caller refuses it.
 */
export function isSharedTokenRoute(request: RoutedRequest, prefixes: readonly string[]): boolean | undefined {
  // Paths repeat: a container remembers its last answers (bounded), so that the decoding and URL
  // parsing below stay off the hot path of a cached decision.
  // Stryker disable ConditionalExpression,EqualityOperator,CallExpression: the memo saves time only: without it, unbounded or emptied at every call, each answer is the same.
  let answers = remembered.get(prefixes);
  if (!answers) remembered.set(prefixes, (answers = new Map<string, boolean | undefined>()));
  // Stryker disable next-line StringLiteral: an absent stage, route key or path is answered as an empty one (or "/").
  const key = `${request.requestContext?.stage ?? ''} ${request.routeKey ?? ''} ${request.rawPath ?? '/'}`;
  if (answers.has(key)) return answers.get(key);
  const answer = routeRule(request, prefixes);
  if (answers.size >= REMEMBERED_PATHS) answers.delete(answers.keys().next().value as string);
  answers.set(key, answer);
  // Stryker restore ConditionalExpression,EqualityOperator,CallExpression
  return answer;
}

const REMEMBERED_PATHS = 1024;
const remembered = new WeakMap<readonly string[], Map<string, boolean | undefined>>();

function routeRule(request: RoutedRequest, prefixes: readonly string[]): boolean | undefined {
  // Stryker disable next-line StringLiteral: an empty path is read as "/" too.
  const path = canonicalPath(request.rawPath ?? '/');
  if (path === undefined) return undefined;
  let segments = segmentsOf(path);
  // A named stage puts itself first in rawPath (`/prod/configmgt/…`); `$default` does not.
  const stage = request.requestContext?.stage;
  if (stage && stage !== '$default' && segments[0] === stage.toLowerCase()) segments = segments.slice(1);
  const routePath = request.routeKey?.split(' ')[1];
  // Stryker disable next-line StringLiteral: with no route path there is no segment to match, and no prefix is the mutant's text.
  const routeSegments = segmentsOf(routePath ?? '');
  return prefixes
    .map(segmentsOf)
    .some((prefix) => startsWithSegments(segments, prefix) || startsWithSegments(routeSegments, prefix));
}
