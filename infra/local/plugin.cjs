// osls loads plugins with require(); the plugin is TypeScript, compiled on load by tsx.

const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./local-stack-plugin.ts', __filename).default;
