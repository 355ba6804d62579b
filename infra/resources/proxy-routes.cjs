// The XiVO proxy routes of the deployed template; infra/proxy-routes.ts holds their one
// definition, which the local stack serves too. osls reads this file while it resolves serverless.yml.
const { require: tsxRequire } = require('tsx/cjs/api');

const { proxyRoutes, proxyRouteResources } = tsxRequire('../proxy-routes.ts', __filename);

module.exports = () => proxyRouteResources(proxyRoutes());
