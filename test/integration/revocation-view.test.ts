import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { localClients, localRpcClients } from '../../infra/local/stack.ts';
import { RevocationView, type RevocableCache, type Revoked } from '../../shared/authorizer/revocation-view.ts';
import { rpcBatchGet } from '../../shared/clients/rpc-reads.ts';
import { RevocationFeed } from '../../shared/tokens/revocation-feed.ts';
import { feedBucket, feedKey, feedSessionIdPrefix } from '../../shared/tokens/revocation-feed-layout.ts';
import type { BatchGetItems } from '../../shared/tokens/token-state-reader.ts';
import { testConfig, uniqueLogin } from '../support/fixtures.ts';

const WINDOW_MS = 1000;
const SHARD = 3;
const table = testConfig().tokensTable;
const endpoints = inject('endpoints');
const { db } = localClients(endpoints);
const dynamodb = rpcBatchGet(localRpcClients(endpoints).dynamodb);

/** The cache a view acts on, recording what it was told to drop. */
function recordingCache() {
  const cache = {
    evicted: [] as Revoked[],
    clears: 0,
    evict: (revoked: Revoked) => void cache.evicted.push(revoked),
    clear: () => {
      cache.clears++;
    },
  };
  return cache satisfies RevocableCache;
}

/**
 * A view and a feed on one clock the test moves, starting at the beginning of a bucket of a day of
 * its own (no other test publishes there), with the view's DynamoDB reads counted.
 */
function container(batchGet: BatchGetItems = dynamodb) {
  const start = (feedBucket(Date.now(), WINDOW_MS) + Math.floor(Math.random() * 1e5) * 100_000) * WINDOW_MS;
  const clock = { now: start, start };
  const reads = { count: 0 };
  const counted: BatchGetItems = (items) => {
    reads.count++;
    return batchGet(items);
  };
  const view = new RevocationView(counted, table, WINDOW_MS, () => clock.now, SHARD);
  const feed = new RevocationFeed(db, table, WINDOW_MS, () => clock.now);
  return { clock, reads, view, feed, cache: recordingCache() };
}

describe('the revocation view of an authorizer container', () => {
  it('reads nothing within a window of its last read', async () => {
    const { clock, reads, view, cache } = container();
    clock.now += WINDOW_MS - 1;
    expect(await view.confirm(cache)).toBe(true);
    expect(reads.count).toBe(0);
  });

  it('hands a session revoked meanwhile to the cache once a window has passed', async () => {
    const { clock, reads, view, feed, cache } = container();
    const sessionId = randomUUID();
    clock.now += 100;
    await feed.publish({ sessionId });
    clock.now += WINDOW_MS;
    expect(await view.confirm(cache)).toBe(true);
    expect(reads.count).toBe(1);
    expect(cache.evicted).toEqual([
      { sessionIdPrefixes: new Set([feedSessionIdPrefix(sessionId)]), logins: new Set() },
    ]);
  });

  it('hands a login revoked meanwhile to the cache, and ignores entries of kinds it does not know', async () => {
    const { clock, view, feed, cache } = container();
    const login = uniqueLogin('feed');
    clock.now += 100;
    await feed.publish({ login });
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: feedKey(feedBucket(clock.now, WINDOW_MS), SHARD),
        UpdateExpression: 'ADD revoked :entry',
        ExpressionAttributeValues: { ':entry': new Set(['x:someone']) },
      }),
    );
    clock.now += WINDOW_MS;
    expect(await view.confirm(cache)).toBe(true);
    expect(cache.evicted).toEqual([{ sessionIdPrefixes: new Set(), logins: new Set([login]) }]);
  });

  it('reads again in each later window, finding what was published since', async () => {
    const { clock, reads, view, feed, cache } = container();
    const [first, second] = [uniqueLogin('feed'), uniqueLogin('feed')];
    await feed.publish({ login: first });
    clock.now += WINDOW_MS;
    expect(await view.confirm(cache)).toBe(true);
    clock.now += WINDOW_MS / 2;
    await feed.publish({ login: second });
    clock.now += WINDOW_MS;
    expect(await view.confirm(cache)).toBe(true);
    expect(reads.count).toBe(2);
    expect(cache.evicted.map(({ logins }) => [...logins].sort())).toEqual([[first], [first, second].sort()]);
  });

  it('reads the buckets of a publisher whose clock runs up to 200 ms ahead', async () => {
    const { clock, view, feed, cache } = container();
    const login = uniqueLogin('feed');
    // The view reads at 1.85 windows, the publisher's clock already says 2.05: a bucket later.
    clock.now += 2 * WINDOW_MS + 50;
    await feed.publish({ login });
    clock.now -= 200;
    expect(await view.confirm(cache)).toBe(true);
    expect(cache.evicted.flatMap(({ logins }) => [...logins])).toEqual([login]);
  });

  it('drops the whole cache instead of reading the feed back after more than 8 idle windows', async () => {
    const idle = container();
    idle.clock.now += 8 * WINDOW_MS + 1;
    expect(idle.view.confirm(idle.cache)).toBe(true);
    expect({ reads: idle.reads.count, clears: idle.cache.clears }).toEqual({ reads: 0, clears: 1 });

    const back = container();
    back.clock.now += 8 * WINDOW_MS;
    expect(await back.view.confirm(back.cache)).toBe(true);
    expect({ reads: back.reads.count, clears: back.cache.clears }).toEqual({ reads: 1, clears: 0 });
  });

  it('after a failed read, stops confirming and tries again only a window later', async () => {
    const unreachable = rpcBatchGet(localRpcClients({ ...endpoints, dynamodb: 'http://127.0.0.1:9' }).dynamodb);
    let reachable = false;
    const { clock, reads, view, cache } = container((items) => (reachable ? dynamodb : unreachable)(items));
    clock.now += WINDOW_MS;
    expect(await view.confirm(cache)).toBe(false);
    reachable = true;
    clock.now += WINDOW_MS - 1;
    expect(await view.confirm(cache)).toBe(false);
    expect(reads.count).toBe(1);
    clock.now += 1;
    expect(await view.confirm(cache)).toBe(true);
    expect(reads.count).toBe(2);
  });
});
