// osls loads plugins with require(); the plugin is TypeScript, compiled on load by tsx.
// The SDK's notice that its 2027 releases need Node 22 concerns upgrades of this machine, not the
// functions, which run on nodejs24.x once deployed.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./local-stack-plugin.ts', __filename).default;
