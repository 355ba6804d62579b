// The oidc function may read the introspection client's secret named by OIDC_CLIENT_SECRET_ID, and no other.
const secretArn = require('./secret-arn.cjs');

module.exports = () => secretArn('OIDC_CLIENT_SECRET_ID', 'xuc-auth-no-oidc-client-secret');
