// Throttles of the HTTP API stage, so that a flood of unauthenticated calls (one scrypt per
// /login, a signature check per /check, a deep probe per /health) is refused by API Gateway with
// 429 before it draws on the account's Lambda concurrency, which the authorizer in front of every
// protected route needs. Rates are requests per second, bursts the bucket size; each can be set
// at deploy time, e.g. THROTTLE_LOGIN_RATE=50. osls reads this file while it resolves serverless.yml.
const { positive } = require('./monitoring.cjs');

const BASE = '/xuc/api/2.0/auth';

/** Per route: its key, the variable prefix that tunes it, and its default rate and burst. */
const ROUTES = [
  { key: `POST ${BASE}/login`, name: 'LOGIN', rate: 20, burst: 40 },
  { key: `GET ${BASE}/check`, name: 'CHECK', rate: 200, burst: 400 },
  { key: `GET ${BASE}/sso`, name: 'EXCHANGE', rate: 50, burst: 100 },
  { key: `GET ${BASE}/cas`, name: 'EXCHANGE', rate: 50, burst: 100 },
  { key: `GET ${BASE}/oidc`, name: 'EXCHANGE', rate: 50, burst: 100 },
  { key: `POST ${BASE}/oidc`, name: 'EXCHANGE', rate: 50, burst: 100 },
  { key: `GET ${BASE}/health`, name: 'HEALTH', rate: 5, burst: 10 },
];
/** Every other route, those behind the authorizer among them. */
const DEFAULT = { name: 'DEFAULT', rate: 1000, burst: 2000 };

const settings = ({ name, rate, burst }) => ({
  ThrottlingRateLimit: positive(`THROTTLE_${name}_RATE`, rate),
  ThrottlingBurstLimit: positive(`THROTTLE_${name}_BURST`, burst),
});

/** The logical id osls gives a route (`POST /a/2.0/b` → `HttpApiRoutePostA20B`): the stage must wait for it. */
const capitalized = (word) => word.charAt(0).toUpperCase() + word.slice(1);
const routeLogicalId = (key) => {
  const [method, path] = key.split(' ');
  const segments = path
    .split('/')
    .map((segment) => (/^\{.+\}$/.test(segment) ? `${segment.slice(1, -1)}Var` : segment.replace(/[^A-Za-z0-9]/g, '')));
  return `HttpApiRoute${capitalized(method.toLowerCase())}${segments.map(capitalized).join('')}`;
};

module.exports = () => ({
  extensions: {
    HttpApiStage: {
      // Route settings name routes that must exist first.
      DependsOn: [...new Set(ROUTES.map((route) => routeLogicalId(route.key)))],
      Properties: {
        DefaultRouteSettings: settings(DEFAULT),
        RouteSettings: Object.fromEntries(ROUTES.map((route) => [route.key, settings(route)])),
      },
    },
  },
});
