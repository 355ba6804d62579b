// The ARN a function may read for a secret named by an environment variable at package time, and
// no other. A name matches its ARN's random 6-character suffix only (`-??????`), so that `…/keytab`
// does not also grant `…/keytab-old`; a full ARN is used as it is. When the variable is unset the
// grant names a secret that does not exist, so that the role has no wider reach.
module.exports = (variable, placeholder) => {
  const id = process.env[variable]?.trim();
  const arn = (name) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name}`,
  });
  if (!id) return arn(placeholder);
  if (id.startsWith('arn:')) return id;
  return arn(`${id}-??????`);
};
