import type { CliIo, CliOptions } from './main.ts';
import { printer, table } from './output.ts';
import { UsageError, type Target } from './target.ts';
import { allLiveTokens, liveTokens, revokeAllTokens, tokenView } from '../shared/tokens/user-tokens.ts';

export async function tokensCommand(action: string | undefined, args: string[], options: CliOptions, target: Target, io: CliIo): Promise<void> {
  const { tokenStore, now } = target.services;
  const print = printer(options.json, io.stdout);
  switch (action) {
    case 'list': {
      const [login] = args;
      const records = login ? await liveTokens(tokenStore, login, now) : await allLiveTokens(tokenStore, now);
      const rows = records.sort((a, b) => b.issuedAtMs - a.issuedAtMs).map((record) => ({ login: record.login, ...tokenView(record) }));
      return print(table(rows, '(no live tokens)'), rows);
    }
    case 'revoke': {
      const [tokenId] = args;
      if (!tokenId) throw new UsageError('tokens revoke needs a <token-id>');
      const record = await tokenStore.get(tokenId);
      if (!record || !(await tokenStore.revoke(tokenId, record.login, Math.floor(now() / 1000)))) throw new Error(`No token ${tokenId}`);
      return print(`Token ${tokenId} of ${record.login} revoked\n`, { tokenId, login: record.login, revoked: true });
    }
    case 'revoke-all': {
      const [login] = args;
      if (!login) throw new UsageError('tokens revoke-all needs a <login>');
      const revoked = await revokeAllTokens(tokenStore, login, now);
      return print(`${revoked} live token(s) of ${login} revoked\n`, { login, revokedTokens: revoked });
    }
    default:
      throw new UsageError(action ? `Unknown tokens command "${action}"` : 'tokens needs a command');
  }
}
