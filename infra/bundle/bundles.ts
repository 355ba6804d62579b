import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
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
