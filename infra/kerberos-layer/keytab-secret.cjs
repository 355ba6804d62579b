// The sso function may read the keytab secret named by KERBEROS_KEYTAB_SECRET_ID, and no other.
const secretArn = require('../secret-arn.cjs');

module.exports = () => secretArn('KERBEROS_KEYTAB_SECRET_ID', 'xuc-auth-no-keytab-secret');
