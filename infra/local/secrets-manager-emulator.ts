import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { listen, serveLocalCallersOnly } from './servers.ts';
import { serveSignedRequestsOnly, type SignedService } from './sigv4-verifier.ts';

interface StoredVersion {
  /** Unset for the version RotateSecret opens, until the rotation function's createSecret puts its value. */
  value?: string;
  stages: string[];
  created: number;
}
interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  created: number;
  changed: number;
  versions: Record<string, StoredVersion>;
  rotation?: { lambdaArn?: string; rules?: unknown };
}
type Request = Record<string, unknown>;

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const REGION = 'us-east-1';
const nowSeconds = (): number => Date.now() / 1000;
const str = (request: Request, key: string): string | undefined =>
  typeof request[key] === 'string' ? request[key] : undefined;

/**
 * A small AWS Secrets Manager endpoint speaking the real JSON 1.1 protocol
 * (`X-Amz-Target: secretsmanager.<Operation>`), so that the real SDK client is what the
 * functions and tests use. It keeps what this project relies on: CreateSecret, PutSecretValue
 * (AWSCURRENT by default, or the staging labels it names), GetSecretValue (by version id and/or
 * stage), DescribeSecret, ListSecrets, UpdateSecretVersionStage, with AWSCURRENT and AWSPREVIOUS
 * moving as Secrets Manager moves them, and RotateSecret, which opens a rotation (a valueless
 * AWSPENDING version for the request token) without invoking anything: a test then calls the
 * rotation function's four steps as Secrets Manager would. Requests are not authenticated.
 */
export class SecretsManagerEmulator {
  readonly #secrets = new Map<string, StoredSecret>();

  /** `file`, when given, keeps the secrets across restarts. */
  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      for (const secret of JSON.parse(readFileSync(file, 'utf8')) as StoredSecret[]) {
        this.#secrets.set(secret.name, secret);
      }
    }
  }

  handle(operation: string, request: Request): unknown {
    switch (operation) {
      case 'CreateSecret':
        return this.create(request);
      case 'PutSecretValue':
        return this.put(request);
      case 'GetSecretValue':
        return this.get(request);
      case 'DescribeSecret':
        return this.describe(this.find(request));
      case 'UpdateSecretVersionStage':
        return this.updateStage(request);
      case 'RotateSecret':
        return this.rotate(request);
      case 'ListSecrets':
        return { SecretList: [...this.#secrets.values()].map((secret) => this.describe(secret)) };
      default:
        throw new ApiError('UnknownOperationException', `Operation ${operation} is not supported`);
    }
  }

  private create(request: Request) {
    const name = str(request, 'Name');
    if (!name) throw new ApiError('InvalidParameterException', 'Name is required');
    if (this.#secrets.has(name)) throw new ApiError('ResourceExistsException', `The secret ${name} already exists.`);
    const created = nowSeconds();
    const description = str(request, 'Description');
    const secret: StoredSecret = {
      arn: `arn:aws:secretsmanager:${REGION}:000000000000:secret:${name}-${randomUUID().slice(0, 6)}`,
      name,
      created,
      changed: created,
      versions: {},
      ...(description ? { description } : {}),
    };
    this.#secrets.set(name, secret);
    const value = str(request, 'SecretString');
    const versionId =
      value === undefined ? undefined : this.addVersion(secret, value, str(request, 'ClientRequestToken'));
    this.save();
    return { ARN: secret.arn, Name: name, ...(versionId ? { VersionId: versionId } : {}) };
  }

  private put(request: Request) {
    const secret = this.find(request);
    const value = str(request, 'SecretString');
    if (value === undefined) throw new ApiError('InvalidParameterException', 'SecretString is required');
    const stages = Array.isArray(request.VersionStages) ? request.VersionStages.map(String) : undefined;
    const versionId = this.addVersion(secret, value, str(request, 'ClientRequestToken'), stages);
    this.save();
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: versionId,
      VersionStages: secret.versions[versionId]?.stages ?? [],
    };
  }

  /**
   * Opens a rotation as Secrets Manager does before it calls the rotation function: a version
   * for the request token, staged AWSPENDING and without a value yet.
   */
  private rotate(request: Request) {
    const secret = this.find(request);
    const versionId = str(request, 'ClientRequestToken') ?? randomUUID();
    const lambdaArn = str(request, 'RotationLambdaARN') ?? secret.rotation?.lambdaArn;
    secret.rotation = {
      ...(lambdaArn ? { lambdaArn } : {}),
      rules: request.RotationRules ?? secret.rotation?.rules,
    };
    if (!secret.versions[versionId]) {
      this.detach(secret, 'AWSPENDING');
      secret.versions[versionId] = { stages: ['AWSPENDING'], created: nowSeconds() };
    }
    secret.changed = nowSeconds();
    this.save();
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId };
  }

  private detach(secret: StoredSecret, stage: string): void {
    for (const version of Object.values(secret.versions)) {
      version.stages = version.stages.filter((label) => label !== stage);
    }
  }

  private get(request: Request) {
    const secret = this.find(request);
    const versionId = str(request, 'VersionId');
    const stage = str(request, 'VersionStage') ?? (versionId ? undefined : 'AWSCURRENT');
    const entry = Object.entries(secret.versions).find(
      ([id, version]) => (!versionId || id === versionId) && (!stage || version.stages.includes(stage)),
    );
    if (entry?.[1].value === undefined) {
      throw new ApiError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for the given version or staging label.",
      );
    }
    const [id, version] = entry;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: id,
      SecretString: version.value,
      VersionStages: version.stages,
      CreatedDate: version.created,
    };
  }

  /**
   * Moves or removes a staging label, as Secrets Manager does: AWSCURRENT only moves, and the
   * version it leaves becomes AWSPREVIOUS.
   */
  private updateStage(request: Request) {
    const secret = this.find(request);
    const stage = str(request, 'VersionStage');
    const from = str(request, 'RemoveFromVersionId');
    const to = str(request, 'MoveToVersionId');
    if (!stage) throw new ApiError('InvalidParameterException', 'VersionStage is required');
    for (const id of [from, to]) {
      if (id && !secret.versions[id]) throw new ApiError('ResourceNotFoundException', `No version ${id}.`);
    }
    if (from && !secret.versions[from]?.stages.includes(stage)) {
      throw new ApiError('InvalidParameterException', `${stage} is not attached to version ${from}.`);
    }
    if (stage === 'AWSCURRENT' && !to) throw new ApiError('InvalidParameterException', 'AWSCURRENT can only be moved.');
    const leaving =
      stage === 'AWSCURRENT'
        ? Object.keys(secret.versions).find((id) => id !== to && secret.versions[id]?.stages.includes(stage))
        : undefined;
    for (const [id, version] of Object.entries(secret.versions)) {
      if (id === from || (to && id !== to)) version.stages = version.stages.filter((label) => label !== stage);
    }
    if (to) {
      const target = secret.versions[to];
      if (target && !target.stages.includes(stage)) target.stages.push(stage);
    }
    if (leaving) {
      this.detach(secret, 'AWSPREVIOUS');
      secret.versions[leaving]?.stages.push('AWSPREVIOUS');
    }
    secret.changed = nowSeconds();
    this.save();
    return { ARN: secret.arn, Name: secret.name };
  }

  private describe(secret: StoredSecret) {
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description ? { Description: secret.description } : {}),
      CreatedDate: secret.created,
      LastChangedDate: secret.changed,
      ...(secret.rotation
        ? {
            RotationEnabled: true,
            ...(secret.rotation.lambdaArn ? { RotationLambdaARN: secret.rotation.lambdaArn } : {}),
            ...(secret.rotation.rules ? { RotationRules: secret.rotation.rules } : {}),
          }
        : { RotationEnabled: false }),
      VersionIdsToStages: Object.fromEntries(
        Object.entries(secret.versions)
          .filter(([, version]) => version.stages.length > 0)
          .map(([id, version]) => [id, version.stages]),
      ),
    };
  }

  private find(request: Request): StoredSecret {
    const id = str(request, 'SecretId');
    const secret = id ? (this.#secrets.get(id) ?? [...this.#secrets.values()].find((s) => s.arn === id)) : undefined;
    if (!secret) throw new ApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /**
   * Without `stages`, the new version becomes AWSCURRENT and the old current one AWSPREVIOUS, as on
   * AWS; with them, it takes those labels (from whichever versions held them) and AWSCURRENT stays.
   * The same token again is idempotent; a version RotateSecret opened takes its value here.
   */
  private addVersion(secret: StoredSecret, value: string, requestToken?: string, stages?: string[]): string {
    const versionId = requestToken ?? randomUUID();
    const existing = secret.versions[versionId];
    if (existing?.value === undefined && existing && stages) {
      existing.value = value;
      for (const stage of stages) this.detach(secret, stage);
      existing.stages = [...stages];
      secret.changed = nowSeconds();
      return versionId;
    }
    if (existing) {
      if (existing.value !== value) {
        throw new ApiError('ResourceExistsException', 'A version with this ClientRequestToken already exists.');
      }
      return versionId;
    }
    if (stages) {
      for (const stage of stages) this.detach(secret, stage);
      secret.versions[versionId] = { value, stages: [...stages], created: nowSeconds() };
      secret.changed = nowSeconds();
      return versionId;
    }
    for (const version of Object.values(secret.versions)) {
      version.stages = version.stages.includes('AWSCURRENT')
        ? ['AWSPREVIOUS']
        : version.stages.filter((stage) => stage !== 'AWSPREVIOUS');
    }
    const created = nowSeconds();
    secret.versions[versionId] = { value, stages: ['AWSCURRENT'], created };
    secret.changed = created;
    return versionId;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify([...this.#secrets.values()], null, 2), { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}

async function readBody(message: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves an emulator over HTTP on `host:port` (port 0 picks a free one), to local callers whose
 * requests are signed with `signing`'s credentials.
 */
export async function serveSecretsManager(
  emulator: SecretsManagerEmulator,
  signing: Omit<SignedService, 'name'>,
  port = 0,
  host = '127.0.0.1',
): Promise<{ endpoint: string; server: Server }> {
  // Every error is answered inside: the promise never rejects.
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(body));
    };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith('secretsmanager.')) {
        throw new ApiError('InvalidRequestException', 'Expected a Secrets Manager JSON 1.1 request');
      }
      const text = await readBody(req);
      reply(200, emulator.handle(target.slice('secretsmanager.'.length), text ? (JSON.parse(text) as Request) : {}));
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('InternalServiceError', 'Emulator error');
      reply(
        apiError.type === 'InternalServiceError' ? 500 : 400,
        { __type: apiError.type, message: apiError.message },
        apiError.type,
      );
    }
  };
  const server = serveLocalCallersOnly(
    serveSignedRequestsOnly(
      createServer((req, res) => void answer(req, res)),
      { ...signing, name: 'secretsmanager' },
      'application/x-amz-json-1.1',
    ),
    { type: 'AccessDeniedException', contentType: 'application/x-amz-json-1.1' },
  );
  const actualPort = await listen(server, port, host);
  return { endpoint: `http://${host}:${actualPort}`, server };
}
