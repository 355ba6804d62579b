// serverless-esbuild loads custom.esbuild.plugins with require(); the plugins are TypeScript,
// compiled on load by tsx (as infra/local/plugin.cjs does for osls).

const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./yaml-as-json.ts', __filename).default;
