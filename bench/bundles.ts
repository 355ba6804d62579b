import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { parse } from 'yaml';

export interface PackageShare {
  /** npm package name, or `(this repository)` for the service's own code. */
  name: string;
  bytes: number;
}

export interface Bundle {
  name: string;
  file: string;
  bytes: number;
  /** Bytes in the minified output per package, biggest first. */
  packages: PackageShare[];
}

export const OWN_CODE = '(this repository)';

function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return OWN_CODE;
  const name = parts[at + 1] ?? '?';
  return name.startsWith('@') ? `${name}/${parts[at + 2] ?? '?'}` : name;
}

function breakdown(output: Metafile['outputs'][string]): PackageShare[] {
  const shares = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    shares.set(name, (shares.get(name) ?? 0) + bytesInOutput);
  }
  return [...shares].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** The esbuild options of serverless.yml's `custom.esbuild`, as serverless-esbuild hands them to esbuild. */
interface EsbuildSettings {
  minify?: boolean;
  target?: string;
  platform?: 'node';
  format?: 'cjs' | 'esm';
  mainFields?: string[];
  exclude?: string[];
  alias?: Record<string, string>;
}

function esbuildSettings(root: string): EsbuildSettings {
  // CloudFormation tags (!GetAtt, !Ref) are irrelevant here and parsed as plain strings.
  const service = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom?: { esbuild?: EsbuildSettings };
  };
  return service.custom?.esbuild ?? {};
}

/**
 * Bundles every `functions/<name>/handler.ts` with the options of serverless.yml's
 * `custom.esbuild`, into `outdir`. The sizes are those of the files Lambda would load.
 */
export async function buildBundles(root: string, outdir: string): Promise<Bundle[]> {
  const names = readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const settings = esbuildSettings(root);
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(names.map((name) => [name, `functions/${name}/handler.ts`])),
    outdir,
    bundle: true,
    sourcemap: false,
    minify: settings.minify ?? false,
    target: settings.target ?? 'node24',
    platform: settings.platform ?? 'node',
    format: settings.format ?? 'cjs',
    ...(settings.mainFields ? { mainFields: settings.mainFields } : {}),
    external: settings.exclude ?? [],
    alias: settings.alias ?? {},
    outExtension: { '.js': '.cjs' },
    metafile: true,
    logLevel: 'silent',
  });
  return names.map((name) => {
    const entry = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint === `functions/${name}/handler.ts`);
    if (!entry) throw new Error(`esbuild produced no bundle for ${name}`);
    const [file, output] = entry;
    return { name, file: join(root, file), bytes: output.bytes, packages: breakdown(output) };
  });
}
