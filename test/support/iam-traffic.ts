import type { Template } from './cloudformation-spec.ts';
import type { RecordedCall } from './packaged-functions.ts';

/** One (action, resource) an `Allow` statement of a role grants, with the statement's condition. */
export interface Grant {
  action: string;
  /** The resolved ARN; a Secrets Manager name pattern keeps its `??????`. */
  resource: string;
  condition?: Record<string, Record<string, string[]>>;
}

/** What IAM authorises for one recorded request: an action on each resource it touches. */
export interface AuthorisedRequest {
  action: string;
  resources: string[];
  /** The attributes an UpdateItem names (key and update expression), for `dynamodb:Attributes`. */
  attributes?: string[];
  returnValues?: string;
  call: RecordedCall;
}

/** An `Allow` or `Deny` statement of a role's policy, as the template writes it. */
export interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown;
  Condition?: Grant['condition'];
}

/**
 * The statements of the role `functionLogicalId`'s `Role` names (serverless-iam-roles-per-function
 * makes one per function), references unresolved. The `logs:` actions are left out: Lambda writes
 * the logs from the function's output, no recorded call can use them.
 */
export function roleStatements(template: Template, functionLogicalId: string): Statement[] {
  const role = (template.Resources[functionLogicalId]?.Properties?.Role as { 'Fn::GetAtt': [string, string] })[
    'Fn::GetAtt'
  ][0];
  const policies = (template.Resources[role]?.Properties?.Policies ?? []) as {
    PolicyDocument: { Statement: Statement[] };
  }[];
  return policies
    .flatMap((policy) => policy.PolicyDocument.Statement)
    .map((statement) => ({
      ...statement,
      Action: [statement.Action].flat().filter((action) => !action.startsWith('logs:')),
    }))
    .filter((statement) => statement.Action.length > 0);
}

/** The grants of `functionLogicalId`'s role (its `Allow` statements), resolved by `resolve`. */
export function roleGrants(
  template: Template,
  functionLogicalId: string,
  resolve: (value: unknown) => string,
): Grant[] {
  return roleStatements(template, functionLogicalId)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      statement.Action.flatMap((action) =>
        [statement.Resource].flat().map((resource) => ({
          action,
          resource: resolve(resource),
          ...(statement.Condition ? { condition: statement.Condition } : {}),
        })),
      ),
    );
}

const KEYWORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'if_not_exists', 'list_append']);

/** The attribute names an update expression writes or reads, `#placeholders` substituted. */
function expressionAttributes(expression: string, names: Record<string, string>): string[] {
  return [...expression.matchAll(/(?<![:\w])#?[A-Za-z_]\w*/g)]
    .map((match) => match[0])
    .filter((word) => !KEYWORDS.has(word))
    .map((word) => (word.startsWith('#') ? (names[word] ?? word) : word));
}

/**
 * The IAM action and resource ARNs of a recorded request: `DynamoDB_20120810.<Op>` is
 * `dynamodb:<Op>` on each table it names (a Query on an index: the index), `secretsmanager.<Op>`
 * is `secretsmanager:<Op>` on the secret `SecretId` names (`secretArn` maps a name to its ARN).
 */
export function authorised(
  call: RecordedCall,
  tableArn: (name: string) => string,
  secretArn: (id: string) => string,
): AuthorisedRequest {
  const [prefix = '', operation = ''] = call.target.split('.');
  const body = call.body;
  if (prefix === 'secretsmanager') {
    return { action: `secretsmanager:${operation}`, resources: [secretArn(String(body.SecretId))], call };
  }
  if (prefix !== 'DynamoDB_20120810') throw new Error(`no IAM mapping for ${call.target}`);
  const action = `dynamodb:${operation}`;
  if (body.RequestItems) return { action, resources: Object.keys(body.RequestItems).map(tableArn), call };
  const table = tableArn(String(body.TableName));
  const resources = [typeof body.IndexName === 'string' ? `${table}/index/${body.IndexName}` : table];
  if (operation !== 'UpdateItem') return { action, resources, call };
  const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const attributes = [
    ...Object.keys(body.Key ?? {}),
    ...expressionAttributes(typeof body.UpdateExpression === 'string' ? body.UpdateExpression : '', names),
  ];
  return {
    action,
    resources,
    attributes: [...new Set(attributes)].sort(),
    ...(typeof body.ReturnValues === 'string' ? { returnValues: body.ReturnValues } : {}),
    call,
  };
}

/** A grant's resource as IAM matches it: `?` is one character, `*` any run. */
const matches = (pattern: string, arn: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
      .replace(/\?/g, '.')
      .replace(/\*/g, '.*')}$`,
  ).test(arn);

/** Whether `grant` allows `request` on `resource`, its condition included (the keys this template uses). */
export function allows(grant: Grant, request: AuthorisedRequest, resource: string): boolean {
  if (grant.action !== request.action || !matches(grant.resource, resource)) return false;
  for (const [operator, keys] of Object.entries(grant.condition ?? {})) {
    for (const [key, allowed] of Object.entries(keys)) {
      const values =
        key === 'dynamodb:Attributes'
          ? request.attributes
          : key === 'dynamodb:ReturnValues'
            ? request.returnValues === undefined
              ? undefined
              : [request.returnValues]
            : undefined;
      if (operator === 'ForAllValues:StringEquals' && key === 'dynamodb:Attributes') {
        if (!(values ?? []).every((value) => allowed.includes(value))) return false;
      } else if (operator === 'StringEqualsIfExists' && key === 'dynamodb:ReturnValues') {
        if (values !== undefined && !values.every((value) => allowed.includes(value))) return false;
      } else {
        throw new Error(`condition ${operator} ${key} is not evaluated here: teach allows() about it`);
      }
    }
  }
  return true;
}
