import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const SPEC_FILE = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));
type Node = Record<string, unknown>;
type Spec = Node & { paths: Record<string, Record<string, Node>> };

/**
 * Checks real answers against openapi.yaml: the operation must exist, the status must be one it
 * documents, and a JSON body must validate against the documented schema (JSON Schema 2020-12,
 * as OpenAPI 3.1 uses it, formats included).
 */
export class OpenApiContract {
  readonly #spec: Spec;
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });

  constructor(file = SPEC_FILE) {
    this.#spec = parse(readFileSync(file, 'utf8')) as Spec;
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.#ajv);
    this.#ajv.addSchema({ ...this.#spec, $id: 'openapi.json' });
  }

  /** The path template of the spec that `path` matches, e.g. `/x/tokens/{id}` for `/x/tokens/abc`. */
  template(path: string): string | undefined {
    return Object.keys(this.#spec.paths).find((template) =>
      new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
    );
  }

  /** Problems with one answer, none when it follows the spec. */
  check(method: string, path: string, status: number, body: unknown): string[] {
    const template = this.template(path);
    if (!template) return [`${method} ${path}: no such path in the spec`];
    const operation = this.#spec.paths[template]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${template}: no such operation`];
    const responses = operation.responses as Record<string, Node>;
    let response = responses[String(status)];
    if (!response) return [`${method} ${template}: status ${status} is not documented`];
    let pointer = `#/paths/${escape(template)}/${method.toLowerCase()}/responses/${status}`;
    if (typeof response.$ref === 'string') {
      pointer = response.$ref;
      response = this.resolve(response.$ref);
    }
    const content = response.content as Record<string, Node> | undefined;
    if (!content?.['application/json'])
      return body === undefined ? [] : [`${method} ${template} ${status}: a body where none is documented`];
    const validate = this.#ajv.getSchema(`openapi.json${pointer}/content/application~1json/schema`);
    if (!validate) return [`cannot compile the schema at ${pointer}`];
    return validate(body)
      ? []
      : (validate.errors ?? []).map((e) => `${method} ${template} ${status}: ${e.instancePath} ${e.message}`);
  }

  private resolve(ref: string): Node {
    return ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Node>((node, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')] as Node, this.#spec);
  }
}

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
