// The sso function may read the keytab secret named by KERBEROS_KEYTAB_SECRET_ID, and no other.
// A name matches its ARN's random 6-character suffix only (`-??????`), so that `…/keytab` does not
// also grant `…/keytab-old`; a full ARN is used as it is.
module.exports = () => {
  const id = process.env.KERBEROS_KEYTAB_SECRET_ID;
  if (!id)
    return {
      'Fn::Sub':
        'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:xuc-auth-no-keytab-secret',
    };
  if (id.startsWith('arn:')) return id;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${id}-??????` };
};
