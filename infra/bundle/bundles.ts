import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { parse } from 'yaml';

export interface Bundle {
  name: string;
  file: string;
  bytes: number;
  /** Bytes each input file (ours or a package's) contributes to the minified output. */
  inputs: Metafile['outputs'][string]['inputs'];
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
  /** A file exporting the esbuild plugins, relative to the service folder. */
  plugins?: string;
}

function esbuildSettings(root: string): EsbuildSettings {
  // CloudFormation tags (!GetAtt, !Ref) are irrelevant here and parsed as plain strings.
  const service = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom?: { esbuild?: EsbuildSettings };
  };
  return service.custom?.esbuild ?? {};
}

/** The plugins of `custom.esbuild.plugins`, loaded as serverless-esbuild loads them: `require()` from the service folder. */
function esbuildPlugins(root: string, settings: EsbuildSettings): Plugin[] {
  if (!settings.plugins) return [];
  return createRequire(join(root, 'serverless.yml'))(join(root, settings.plugins)) as Plugin[];
}

/**
 * Bundles every `functions/<name>/handler.ts` with the options of serverless.yml's
 * `custom.esbuild`, into `outdir`: the files Lambda would load. The cold starts load them, and the
 * bundle-size test holds their bytes to budget, so that both see one build.
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
    plugins: esbuildPlugins(root, settings),
    outExtension: { '.js': '.cjs' },
    metafile: true,
    logLevel: 'silent',
  });
  return names.map((name) => {
    const entry = Object.entries(metafile.outputs).find(
      ([, output]) => output.entryPoint === `functions/${name}/handler.ts`,
    );
    if (!entry) throw new Error(`esbuild produced no bundle for ${name}`);
    const [file, output] = entry;
    return { name, file: join(root, file), bytes: output.bytes, inputs: output.inputs };
  });
}
