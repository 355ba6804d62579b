// The stack's CloudWatch dashboard, `xuc-auth-<stage>`: the API (requests, latency, errors), the
// authorizer's decisions, password logins (failures, lockouts, throttles), each function (errors,
// duration, throttles) and each table (capacity, throttles). Its body is JSON with `${Logical}`
// references that CloudFormation substitutes (Fn::Sub) with the stack's names.
// osls reads this file while it resolves serverless.yml.
const { functionsOf, TABLES, NAMESPACE, SERVICE, DENIAL_REASONS } = require('./monitoring.cjs');

const PERIOD = 300;
const API = ['ApiId', '${HttpApi}', 'Stage', '$default'];
const custom = (metricName, dimensions, options = {}) => [
  NAMESPACE,
  metricName,
  SERVICE.Name,
  SERVICE.Value,
  ...Object.entries(dimensions).flat(),
  options,
];

/** A line graph of `metrics` in one 8×6 cell of a 24-wide grid. */
function graph(index, title, metrics, { stacked = false, stat = 'Sum' } = {}) {
  return {
    type: 'metric',
    x: (index % 3) * 8,
    y: Math.floor(index / 3) * 6,
    width: 8,
    height: 6,
    properties: { title, metrics, view: 'timeSeries', stacked, region: '${AWS::Region}', stat, period: PERIOD },
  };
}

module.exports = async ({ resolveVariable, resolveConfigurationProperty }) => {
  const stage = await resolveVariable('sls:stage');
  const functions = await functionsOf(resolveConfigurationProperty);
  const perFunction = (metricName, options = {}) =>
    functions.map((fn) => [
      'AWS/Lambda',
      metricName,
      'FunctionName',
      `\${${fn.logicalId}}`,
      { label: fn.key, ...options },
    ]);
  const perTable = (metricNames) =>
    TABLES.flatMap((table) =>
      metricNames.map((metricName) => [
        'AWS/DynamoDB',
        metricName,
        'TableName',
        `\${${table}}`,
        { label: `${table.replace(/Table$/, '').toLowerCase()} ${metricName}` },
      ]),
    );
  const widgets = [
    graph(0, 'API requests and errors', [
      ['AWS/ApiGateway', 'Count', ...API, { label: 'requests' }],
      ['AWS/ApiGateway', '4xx', ...API, { label: '4xx' }],
      ['AWS/ApiGateway', '5xx', ...API, { label: '5xx' }],
      // Counted from the access logs (alarms.cjs): no service dimension.
      [NAMESPACE, 'StageThrottles', { label: '429 (stage throttles)' }],
    ]),
    graph(
      1,
      'API latency (ms)',
      [
        ['AWS/ApiGateway', 'Latency', ...API, { stat: 'p50', label: 'p50' }],
        ['AWS/ApiGateway', 'Latency', ...API, { stat: 'p99', label: 'p99' }],
        ['AWS/ApiGateway', 'IntegrationLatency', ...API, { stat: 'p99', label: 'integration p99' }],
      ],
      { stat: 'p99' },
    ),
    graph(2, 'Authorizer decisions', [
      ['AWS/Lambda', 'Invocations', 'FunctionName', '${AuthorizerLambdaFunction}', { label: 'decisions' }],
      ...DENIAL_REASONS.map((reason) =>
        custom('AuthorizerDenials', { Reason: reason }, { label: `denied: ${reason}` }),
      ),
    ]),
    graph(3, 'Password logins', [
      custom('TokensIssued', { Method: 'password' }, { label: 'issued' }),
      custom('ExchangeFailures', { Method: 'password', ErrorCode: 'InvalidCredentials' }, { label: 'wrong password' }),
      custom('ExchangeFailures', { Method: 'password', ErrorCode: 'TooManyAttempts' }, { label: 'locked out (429)' }),
      ['AWS/Lambda', 'Throttles', 'FunctionName', '${LoginLambdaFunction}', { label: 'login function throttled' }],
    ]),
    graph(4, 'Function errors (unhandled)', perFunction('Errors'), { stacked: true }),
    graph(5, 'Function duration p99 (ms)', perFunction('Duration', { stat: 'p99' }), { stat: 'p99' }),
    graph(6, 'Function throttles', perFunction('Throttles'), { stacked: true }),
    graph(7, 'DynamoDB consumed capacity', perTable(['ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits'])),
    graph(8, 'DynamoDB throttles', perTable(['ReadThrottleEvents', 'WriteThrottleEvents']), { stacked: true }),
  ];
  return {
    Resources: {
      Dashboard: {
        Type: 'AWS::CloudWatch::Dashboard',
        Properties: {
          DashboardName: `xuc-auth-${stage}`,
          DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) },
        },
      },
    },
  };
};
