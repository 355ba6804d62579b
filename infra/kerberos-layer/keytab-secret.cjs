// The sso function may read the keytab secret named by KERBEROS_KEYTAB_SECRET_ID, and no other.
module.exports = () =>
  process.env.KERBEROS_KEYTAB_SECRET_ID
    ? { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${process.env.KERBEROS_KEYTAB_SECRET_ID}-*` }
    : { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:xuc-auth-no-keytab-secret' };
