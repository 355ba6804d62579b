import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import {
  RichProperty,
  type PropertyType,
  type ResourceProperties,
  type SpecDatabase,
} from '@aws-cdk/service-spec-types';

/** A CloudFormation template as `osls package` writes it (JSON). */
export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [attribute: string]: unknown }>;
  Outputs?: Record<string, { Value: unknown; Description?: string; Export?: { Name: unknown }; Condition?: string }>;
}

const SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);
const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'Metadata',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'CreationPolicy',
  'UpdatePolicy',
]);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);
/** A tag in a list of tags. */
const TAG: ResourceProperties = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};
const OUTPUT_KEYS = new Set(['Value', 'Description', 'Export', 'Condition']);
/** The intrinsic functions and condition functions a property value may be. */
const INTRINSICS = new Set([
  'Ref',
  'Fn::GetAtt',
  'Fn::Join',
  'Fn::Sub',
  'Fn::Select',
  'Fn::Split',
  'Fn::If',
  'Fn::ImportValue',
  'Fn::FindInMap',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::GetAZs',
  'Fn::Length',
  'Fn::ToJsonString',
]);

let database: SpecDatabase | undefined;
/** AWS's resource specification (`@aws-cdk/aws-service-spec`), loaded once: it takes half a second. */
function spec(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ "Ref": … }` or `{ "Fn::…": … }`: a value CloudFormation computes, whose type it checks at deploy time. */
const intrinsic = (value: unknown): [string, unknown] | undefined => {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && INTRINSICS.has(keys[0] as string)
    ? [keys[0] as string, value[keys[0] as string]]
    : undefined;
};

/**
 * Every problem CloudFormation would find in `template` before creating anything: unknown
 * sections, resource types or properties, values of the wrong type, missing required properties,
 * and references (Ref, Fn::GetAtt, Fn::Sub) to resources, parameters or attributes that do not
 * exist. Checked against AWS's published resource specification; an empty list means valid.
 */
export function validateTemplate(template: Template): string[] {
  const db = spec();
  const problems: string[] = [];
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const resources = template.Resources;

  for (const section of Object.keys(template)) {
    if (!SECTIONS.has(section)) problems.push(`${section}: not a template section`);
  }
  if (!isObject(resources) || Object.keys(resources).length === 0) {
    problems.push('Resources: at least one is required');
    return problems;
  }

  /** The resource type's definition in the specification, if it has one. */
  const definition = (type: string) => db.lookup('resource', 'cloudFormationType', 'equals', type).at(0);

  const checkReference = (path: string, name: string) => {
    if (!(name in resources) && !parameters.has(name) && !PSEUDO_PARAMETERS.has(name))
      problems.push(`${path}: refers to ${name}, which is neither a resource nor a parameter`);
  };
  const checkAttribute = (path: string, target: unknown) => {
    const [name, attribute] = typeof target === 'string' ? target.split(/\.(.*)/) : (target as [unknown, unknown]);
    if (typeof name !== 'string' || typeof attribute !== 'string') {
      problems.push(`${path}: Fn::GetAtt takes [resource, attribute]`);
      return;
    }
    const resource = resources[name];
    if (!resource) {
      problems.push(`${path}: Fn::GetAtt of ${name}, which is not a resource`);
      return;
    }
    const attributes = definition(resource.Type)?.attributes ?? {};
    if (!(attribute in attributes)) problems.push(`${path}: ${resource.Type} has no attribute ${attribute}`);
  };
  /** Checks the references inside an intrinsic function (and those nested in its arguments). */
  const checkIntrinsic = (path: string, fn: string, argument: unknown) => {
    if (fn === 'Ref') {
      if (typeof argument === 'string') checkReference(path, argument);
      else problems.push(`${path}: Ref takes a name`);
      return;
    }
    if (fn === 'Fn::GetAtt') {
      checkAttribute(path, argument);
      return;
    }
    if (fn === 'Fn::Sub') {
      const [text, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [string, object]);
      for (const [, variable] of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const name = variable as string;
        if (name in variables) continue;
        if (name.includes('.')) checkAttribute(path, name);
        else checkReference(path, name);
      }
      for (const value of Object.values(variables)) checkNested(path, value);
      return;
    }
    checkNested(path, argument);
  };
  /** Any intrinsic found anywhere inside `value`. */
  const checkNested = (path: string, value: unknown): void => {
    const call = intrinsic(value);
    if (call) checkIntrinsic(path, call[0], call[1]);
    else if (Array.isArray(value)) value.forEach((item, index) => checkNested(`${path}[${index}]`, item));
    else if (isObject(value)) for (const [key, item] of Object.entries(value)) checkNested(`${path}.${key}`, item);
  };

  type Report = ((problem: string) => void) | undefined;

  /**
   * Whether `value` has `type`. With `report`, the problems found inside it (nested properties,
   * references of intrinsic functions) are reported as well; without, it only answers.
   */
  const conforms = (path: string, value: unknown, type: PropertyType, report: Report): boolean => {
    const call = intrinsic(value);
    if (call) {
      if (report) checkIntrinsic(path, call[0], call[1]);
      return true;
    }
    switch (type.type) {
      case 'string':
        return typeof value === 'string' && (!type.allowedValues || type.allowedValues.includes(value));
      case 'date-time':
        return typeof value === 'string';
      // CloudFormation reads numbers and booleans from strings too ("600", "true").
      case 'integer':
        return value !== '' && Number.isInteger(typeof value === 'string' ? Number(value) : value);
      case 'number':
        return value !== '' && Number.isFinite(typeof value === 'string' ? Number(value) : value);
      case 'boolean':
        return typeof value === 'boolean' || value === 'true' || value === 'false';
      case 'json':
        if (report) checkNested(path, value);
        return isObject(value) || Array.isArray(value) || typeof value === 'string';
      case 'null':
        return value === null;
      case 'tag':
        return isObject(value) && checkProperties(path, value, TAG, report);
      case 'array':
        return (
          Array.isArray(value) &&
          value.map((item, index) => checkValue(`${path}[${index}]`, item, [type.element], report)).every(Boolean)
        );
      case 'map':
        return (
          isObject(value) &&
          Object.entries(value)
            .map(([key, item]) => checkValue(`${path}.${key}`, item, [type.element], report))
            .every(Boolean)
        );
      case 'union':
        return checkValue(path, value, type.types, report);
      case 'ref':
        return (
          isObject(value) && checkProperties(path, value, db.get('typeDefinition', type.reference).properties, report)
        );
    }
  };

  /** Whether `value` has one of `types`; reports what is wrong against the first when none fits. */
  const checkValue = (path: string, value: unknown, types: PropertyType[], report: Report): boolean => {
    const fit = types.find((type) => conforms(path, value, type, undefined));
    if (fit) {
      if (report) conforms(path, value, fit, report);
      return true;
    }
    if (report) {
      const before = problems.length;
      conforms(path, value, types[0] as PropertyType, report);
      if (problems.length === before)
        report(`${path}: ${JSON.stringify(value)} is not ${types.map((type) => type.type).join(' or ')}`);
    }
    return false;
  };

  /** Whether an object of properties meets their specification: known names, required ones present, right types. */
  const checkProperties = (
    path: string,
    values: Record<string, unknown>,
    properties: ResourceProperties,
    report: Report,
  ): boolean => {
    let valid = true;
    const fail = (problem: string) => {
      valid = false;
      report?.(problem);
    };
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && values[name] === undefined) fail(`${path}: required property ${name} is missing`);
    }
    for (const [name, value] of Object.entries(values)) {
      const property = properties[name];
      if (!property) fail(`${path}: no property ${name}`);
      else if (!checkValue(`${path}.${name}`, value, new RichProperty(property).types(), report)) valid = false;
    }
    return valid;
  };
  const report: Report = (problem) => problems.push(problem);

  for (const [name, resource] of Object.entries(resources)) {
    const path = `Resources.${name}`;
    for (const attribute of Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.has(attribute)) problems.push(`${path}: no resource attribute ${attribute}`);
    }
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
      const value = resource[policy];
      if (value !== undefined && !DELETION_POLICIES.has(value as string))
        problems.push(`${path}.${policy}: ${JSON.stringify(value)} is not a policy`);
    }
    if (resource.Condition !== undefined && !Object.hasOwn(template.Conditions ?? {}, resource.Condition as string))
      problems.push(`${path}.Condition: ${JSON.stringify(resource.Condition)} is not a condition`);
    for (const dependency of [resource.DependsOn ?? []].flat()) {
      if (typeof dependency !== 'string' || !(dependency in resources))
        problems.push(`${path}.DependsOn: ${JSON.stringify(dependency)} is not a resource`);
    }
    const type = definition(resource.Type);
    if (!type) {
      if (!resource.Type.startsWith('Custom::')) problems.push(`${path}: no resource type ${resource.Type}`);
      continue;
    }
    const properties = resource.Properties ?? {};
    if (!isObject(properties)) {
      problems.push(`${path}.Properties: not an object`);
      continue;
    }
    checkProperties(`${path}.Properties`, properties, type.properties, report);
  }

  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    const path = `Outputs.${name}`;
    for (const key of Object.keys(output)) if (!OUTPUT_KEYS.has(key)) problems.push(`${path}: no output field ${key}`);
    if (output.Value === undefined) problems.push(`${path}: Value is required`);
    checkNested(`${path}.Value`, output.Value);
    if (output.Export !== undefined) {
      if (!isObject(output.Export) || output.Export.Name === undefined)
        problems.push(`${path}.Export: Name is required`);
      else checkNested(`${path}.Export.Name`, output.Export.Name);
    }
  }
  return problems;
}
