import type { Command } from 'commander';
import type { CliContext } from './main.ts';
import { table } from './output.ts';
import { isTokenId } from '../shared/tokens/token-record.ts';
import { allLiveTokens, liveTokens, revokeAllTokens, tokenView } from '../shared/tokens/user-tokens.ts';

export function tokensCommands(program: Command, cli: CliContext): void {
  const tokens = program.command('tokens').description('the live tokens (never their values)');

  tokens
    .command('list')
    .description('lists the live tokens of one login, or of everyone')
    .argument('[login]')
    .action(async (login: string | undefined) => {
      const { tokenStore, now } = cli.target().services;
      const records = login ? await liveTokens(tokenStore, login, now) : await allLiveTokens(tokenStore, now);
      const rows = records
        .sort((a, b) => b.issuedAtMs - a.issuedAtMs)
        .map((record) => ({ login: record.login, ...tokenView(record) }));
      cli.print(table(rows, '(no live tokens)'), rows);
    });

  tokens
    .command('revoke')
    .description('revokes one token')
    .argument('<token-id>')
    .action(async (tokenId: string) => {
      const { tokenStore, now } = cli.target().services;
      const record = isTokenId(tokenId) ? await tokenStore.get(tokenId) : undefined;
      if (!record || !(await tokenStore.revoke(tokenId, record.login, Math.floor(now() / 1000))))
        throw new Error(`No token ${tokenId}`);
      cli.print(`Token ${tokenId} of ${record.login} revoked\n`, { tokenId, login: record.login, revoked: true });
    });

  tokens
    .command('revoke-all')
    .description('revokes every token of a login issued before now, even one being issued elsewhere')
    .argument('<login>')
    .action(async (login: string) => {
      const { tokenStore, now } = cli.target().services;
      const revoked = await revokeAllTokens(tokenStore, login, now);
      cli.print(`${revoked} live token(s) of ${login} revoked\n`, { login, revokedTokens: revoked });
    });
}
