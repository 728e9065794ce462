// Child process for crash.test.ts: opens the store in argv[2] (taking the writer lock) and writes without pause until
// it is killed. Step n (all in one synchronous stretch, so every save holds whole steps): user u<n>, one usage request
// (odd steps on day 1, even on day 2, n input tokens), group g's members = [m<n>], and the account's refresh token
// rt-<n> (a credential: saved at once). Every 4th step waits for durability and prints "durable <n>".
import {createHash} from 'node:crypto';
import {openDataStore} from '../../source/store/data-store.js';

export const EMAIL = 'crash@example.com';
export const DAY1 = Date.UTC(2026, 0, 1, 12);
export const DAY2 = Date.UTC(2026, 0, 2, 12);

async function main(dir: string): Promise<void> {
	const store = await openDataStore(dir, {lock: 'server', lockWaitMs: 5000, debounceMs: 3, maxWaitMs: 15, importAccountsFile: false});
	const token = (await store.accounts.get(EMAIL))?.refreshToken ?? '';
	const match = /^rt-(\d+)$/.exec(token);
	if (match === null) throw new Error('the crash test account is missing');
	let n = Number(match[1]);
	process.stdout.write(`ready ${n}\n`);
	for (;;) {
		n++;
		store.users.create({
			name: `u${n}`,
			keyHash: createHash('sha256').update(String(n)).digest('hex'),
			keyPrefix: 'sk-agp-x',
			admin: false,
			disabled: false,
			createdAt: '2026-01-01T00:00:00.000Z',
		});
		store.usage.record({user: 'u', model: 'm', requests: 1, inputTokens: n, outputTokens: 0, cachedTokens: 0, errors: 0, at: n % 2 === 1 ? DAY1 : DAY2});
		// Usage is batched in memory for a quarter second before it reaches SQLite; this test is about what a save holds,
		// so the step writes it now (the batch itself is tested in the repository tests).
		store.usage.flush();
		store.groups.update('g', undefined, {members: [{model: `m${n}`, order: n, weight: 1}]});
		const durable = store.accounts.update(EMAIL, {refreshToken: `rt-${n}`});
		if (n % 4 === 0) {
			await durable;
			process.stdout.write(`durable ${n}\n`);
		} else {
			durable.catch(() => undefined);
			await new Promise((resolve) => setImmediate(resolve));
		}
	}
}

const dir = process.argv[2];
if (dir !== undefined) await main(dir);
