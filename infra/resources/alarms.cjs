// CloudWatch alarms of the stack, sent to the SNS topic ALARM_TOPIC_ARN when it is set at deploy
// time (the alarms exist either way, to be seen in the console). Thresholds are per 5 minutes and
// can be set at deploy time (README, Operations): ALARM_FUNCTION_ERRORS, ALARM_FUNCTION_THROTTLES,
// ALARM_5XX_PERCENT, ALARM_AUTHORIZER_DENIALS, ALARM_STAGE_THROTTLES, ALARM_DYNAMODB_THROTTLES.
// osls reads this file while it resolves serverless.yml.
const {
  functionsOf,
  TABLES,
  TABLE_OPERATIONS,
  NAMESPACE,
  SERVICE,
  DENIAL_REASONS,
  FAILURE_REASONS,
  positive,
} = require('./monitoring.cjs');

const PERIOD = 300;
/** The access-log metric of 429s (API Gateway has no throttle metric for HTTP APIs). */
const STAGE_THROTTLES = 'StageThrottles';

const capitalized = (word) => word.charAt(0).toUpperCase() + word.slice(1);
/** `rotateSigningKey` → `rotate-signing-key`, for alarm names. */
const kebab = (word) => word.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

function alarmResource(stage, name, description, properties) {
  const topic = process.env.ALARM_TOPIC_ARN?.trim();
  const actions = topic ? { AlarmActions: [topic], OKActions: [topic] } : {};
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `xuc-auth-${stage}-${name}`,
      AlarmDescription: description,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      // No traffic is no fault.
      TreatMissingData: 'notBreaching',
      ...actions,
      ...properties,
    },
  };
}

/** One metric of a math expression. */
const query = (id, namespace, metricName, dimensions, stat = 'Sum') => ({
  Id: id,
  ReturnData: false,
  MetricStat: {
    Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
    Period: PERIOD,
    Stat: stat,
  },
});
const expression = (expr, label) => ({ Id: 'total', Expression: expr, Label: label, ReturnData: true });

module.exports = async ({ resolveVariable, resolveConfigurationProperty }) => {
  const stage = await resolveVariable('sls:stage');
  const functions = await functionsOf(resolveConfigurationProperty);
  const thresholds = {
    functionErrors: positive('ALARM_FUNCTION_ERRORS', 1),
    functionThrottles: positive('ALARM_FUNCTION_THROTTLES', 10),
    serverErrorPercent: positive('ALARM_5XX_PERCENT', 5),
    authorizerDenials: positive('ALARM_AUTHORIZER_DENIALS', 500),
    stageThrottles: positive('ALARM_STAGE_THROTTLES', 100),
    dynamodbThrottles: positive('ALARM_DYNAMODB_THROTTLES', 10),
  };
  const resources = {};
  const lambdaMetric = (fn, metricName, threshold) => ({
    Namespace: 'AWS/Lambda',
    MetricName: metricName,
    Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn.logicalId } }],
    Statistic: 'Sum',
    Period: PERIOD,
    Threshold: threshold,
  });

  for (const fn of functions) {
    const id = capitalized(fn.key);
    // Lambda's Errors are invocations that failed outright: the handlers answer every known
    // failure themselves, so each one is a crash, a timeout or an out-of-memory.
    resources[`${id}ErrorsAlarm`] = alarmResource(
      stage,
      `${kebab(fn.key)}-errors`,
      `The ${fn.key} function failed unhandled (crash, timeout, memory) at least ${thresholds.functionErrors} time(s) in 5 minutes`,
      lambdaMetric(fn, 'Errors', thresholds.functionErrors),
    );
    resources[`${id}ThrottlesAlarm`] = alarmResource(
      stage,
      `${kebab(fn.key)}-throttles`,
      `The ${fn.key} function was throttled (concurrency) at least ${thresholds.functionThrottles} time(s) in 5 minutes`,
      lambdaMetric(fn, 'Throttles', thresholds.functionThrottles),
    );
  }

  const api = [
    { Name: 'ApiId', Value: { Ref: 'HttpApi' } },
    { Name: 'Stage', Value: '$default' },
  ];
  resources.ServerErrorRateAlarm = alarmResource(
    stage,
    'api-5xx-rate',
    `At least ${thresholds.serverErrorPercent}% of the HTTP API's answers were 5xx in 5 minutes, twice in 15 (counted from 20 requests)`,
    {
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: thresholds.serverErrorPercent,
      Metrics: [
        query('errors', 'AWS/ApiGateway', '5xx', api),
        query('requests', 'AWS/ApiGateway', 'Count', api),
        // A handful of requests is no rate: one failure in three is not an outage.
        expression('IF(requests >= 20, 100 * errors / requests, 0)', '5xx %'),
      ],
    },
  );

  const denials = (reasons) =>
    reasons.map((reason, i) =>
      query(`d${i}`, NAMESPACE, 'AuthorizerDenials', [SERVICE, { Name: 'Reason', Value: reason }]),
    );
  const sum = (n) => Array.from({ length: n }, (_, i) => `d${i}`).join(' + ');
  resources.AuthorizerDenialsAlarm = alarmResource(
    stage,
    'authorizer-denials',
    `The authorizer denied at least ${thresholds.authorizerDenials} requests in 5 minutes: a flood of bad or stolen tokens, or clients broken by a rotation`,
    {
      Threshold: thresholds.authorizerDenials,
      Metrics: [...denials(DENIAL_REASONS), expression(sum(DENIAL_REASONS.length), 'denials')],
    },
  );
  resources.AuthorizerFailuresAlarm = alarmResource(
    stage,
    'authorizer-failures',
    'The authorizer could not decide (a dependency unavailable or an unhandled error) and denied',
    { Threshold: 1, Metrics: [...denials(FAILURE_REASONS), expression(sum(FAILURE_REASONS.length), 'failures')] },
  );

  // 429s of the stage's throttles, counted from the access logs.
  resources.StageThrottlesMetricFilter = {
    Type: 'AWS::Logs::MetricFilter',
    Properties: {
      LogGroupName: { Ref: 'HttpApiLogGroup' },
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [
        { MetricNamespace: NAMESPACE, MetricName: STAGE_THROTTLES, MetricValue: '1', Unit: 'Count' },
      ],
    },
  };
  resources.StageThrottlesAlarm = alarmResource(
    stage,
    'api-throttles',
    `The HTTP API stage refused at least ${thresholds.stageThrottles} requests with 429 in 5 minutes (its route throttles)`,
    {
      Namespace: NAMESPACE,
      MetricName: STAGE_THROTTLES,
      Statistic: 'Sum',
      Period: PERIOD,
      Threshold: thresholds.stageThrottles,
    },
  );

  for (const table of TABLES) {
    const name = { Name: 'TableName', Value: { Ref: table } };
    const label = table.replace(/Table$/, '').toLowerCase();
    resources[`${table}SystemErrorsAlarm`] = alarmResource(
      stage,
      `${label}-table-system-errors`,
      `DynamoDB answered the ${label} table's requests with a server error (HTTP 500)`,
      {
        Threshold: 1,
        Metrics: [
          ...TABLE_OPERATIONS.map((operation, i) =>
            query(`d${i}`, 'AWS/DynamoDB', 'SystemErrors', [name, { Name: 'Operation', Value: operation }]),
          ),
          expression(sum(TABLE_OPERATIONS.length), 'system errors'),
        ],
      },
    );
    resources[`${table}ThrottlesAlarm`] = alarmResource(
      stage,
      `${label}-table-throttles`,
      `DynamoDB throttled at least ${thresholds.dynamodbThrottles} reads or writes of the ${label} table in 5 minutes`,
      {
        Threshold: thresholds.dynamodbThrottles,
        Metrics: [
          query('d0', 'AWS/DynamoDB', 'ReadThrottleEvents', [name]),
          query('d1', 'AWS/DynamoDB', 'WriteThrottleEvents', [name]),
          expression('d0 + d1', 'throttle events'),
        ],
      },
    );
  }
  return { Resources: resources };
};
