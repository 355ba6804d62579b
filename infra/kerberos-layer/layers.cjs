// The sso function's layers: the Kerberos layer when KERBEROS_LAYER_ARN names one, else none.
module.exports = () => (process.env.KERBEROS_LAYER_ARN ? [process.env.KERBEROS_LAYER_ARN] : []);
