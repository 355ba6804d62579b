/** A YAML file imported by a function reaches its bundle as JSON, parsed at bundle time (infra/bundle/yaml-as-json.ts). */
declare module '*.yaml' {
  const document: unknown;
  export default document;
}
