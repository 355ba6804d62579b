// Optional HTTP proxy routes to XiVO's configuration and recording APIs, behind the authorizer's
// shared-token rule: `/configmgt/{proxy+}` when CONFIGMGT_URL is set, `/recording/{proxy+}` when
// RECORDING_URL is. osls reads this file while it resolves serverless.yml.
const routes = [
  { name: 'Configmgt', prefix: 'configmgt', url: process.env.CONFIGMGT_URL },
  { name: 'Recording', prefix: 'recording', url: process.env.RECORDING_URL },
];

module.exports = () => {
  const resources = {};
  for (const { name, prefix, url } of routes) {
    if (!url) continue;
    resources[`${name}ProxyIntegration`] = {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'ANY',
        IntegrationUri: `${url.replace(/\/+$/, '')}/{proxy}`,
        PayloadFormatVersion: '1.0',
      },
    };
    resources[`${name}ProxyRoute`] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        RouteKey: `ANY /${prefix}/{proxy+}`,
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: 'HttpApiAuthorizerXucToken' },
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: `${name}ProxyIntegration` }]] },
      },
    };
  }
  return { Resources: resources };
};
