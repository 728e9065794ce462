// `agproxy users …` through both targets (the data directory under the writer lock, and a running server's admin API):
// create prints the key once, list (table and --json), rotate, disable/enable, delete; usage errors exit 2, missing
// users exit 1; and 20 concurrent creates through the running server all land.
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {after, describe, test} from 'node:test';
import {recordUsage} from '../../source/actions/usage.js';
import {type UsersFlags, runUsers} from '../../source/cli/users.js';
import {type Harness, MODES, harness, lines} from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
	for (const step of cleanup) await step();
});

async function open(mode: (typeof MODES)[number]): Promise<Harness & {users: (args: string[], flags?: UsersFlags) => ReturnType<Harness['run']>}> {
	const h = await harness(mode);
	cleanup.push(h.close);
	return {...h, users: (args, flags = {}) => h.run(io => runUsers(args, flags, io, {dataDir: h.dataDir, target: h.target}))};
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

for (const mode of MODES) {
	describe(`agproxy users (${mode})`, () => {
		test('usage errors: one line on stderr, exit 2, nothing run', async () => {
			const h = await open(mode);
			const cases: Array<[string[], UsersFlags, RegExp]> = [
				[[], {}, /missing users command/],
				[['frobnicate'], {}, /unknown users command 'frobnicate'/],
				[['create'], {}, /missing <name>: agproxy users create <name>/],
				[['rotate', ' '], {}, /missing <name>/],
				[['list', 'extra'], {}, /unexpected argument 'extra'/],
				[['list'], {admin: true}, /--admin does not apply to 'users list'/],
				[['create', 'a'], {json: true}, /--json does not apply to 'users create'/],
				[['rotate', 'a'], {admin: false}, /--admin does not apply/],
				[['create', 'Alice'], {}, /invalid user name 'Alice'/],
			];
			for (const [args, flags, pattern] of cases) {
				const result = await h.users(args, flags);
				assert.equal(result.code, 2, `${args.join(' ')} ${JSON.stringify(flags)}`);
				assert.equal(lines(result.stderr).length, 1);
				assert.match(result.stderr, pattern);
				assert.equal(result.stdout, '');
			}
			assert.equal(h.store.users.list().length, 0);
		});

		test('create, list, rotate, disable, enable, delete', async () => {
			const h = await open(mode);
			const created = await h.users(['create', 'alice'], {admin: true});
			assert.equal(created.code, 0, created.stderr);
			const key = /^ {2}(sk-agp-\S+)$/m.exec(created.stdout)?.[1] ?? '';
			assert.match(key, /^sk-agp-[A-Za-z0-9_-]{43}$/);
			assert.match(created.stdout, /^Created admin user alice\.$/m);
			assert.match(created.stdout, /shown only now.*cannot show it again/);
			assert.equal(h.store.users.get('alice')?.keyHash, sha256(key));
			assert.equal((await h.users(['create', 'bob'])).code, 0);

			const again = await h.users(['create', 'alice']);
			assert.deepEqual([again.code, again.stdout], [1, '']);
			assert.match(again.stderr, /^agproxy: user 'alice' already exists/);

			recordUsage(h.store, {user: 'alice', model: 'gemini-3-flash', usage: {inputTokens: 1500, outputTokens: 20}, at: Date.now()});
			const table = await h.users(['list']);
			assert.equal(table.code, 0, table.stderr);
			const rows = lines(table.stdout);
			assert.match(rows[0] ?? '', /^NAME +KEY +ADMIN +DISABLED +CREATED +LAST USED \(UTC\) +TODAY +TOTAL$/);
			assert.match(rows[1] ?? '', new RegExp(`^alice +${key.slice(0, 11)}… +yes +no +\\d{4}-\\d\\d-\\d\\d +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +1 req, 1\\.5k in, 20 out +1 req, 1\\.5k in, 20 out$`));
			assert.match(rows[2] ?? '', /^bob +sk-agp-.{4}… +no +no +\d{4}-\d\d-\d\d +never +- +-$/);
			assert.ok(!table.stdout.includes(key.slice(11)), 'the key is never listed');

			const json = JSON.parse((await h.users(['list'], {json: true})).stdout) as Array<{name: string; keyPrefix: string; usage: {total: {requests: number}}}>;
			assert.deepEqual(
				json.map(u => [u.name, u.keyPrefix, u.usage.total.requests]),
				[
					['alice', key.slice(0, 11), 1],
					['bob', h.store.users.get('bob')?.keyPrefix, 0],
				],
			);
			assert.ok(!JSON.stringify(json).includes('keyHash'));

			const rotated = await h.users(['rotate', 'alice']);
			assert.equal(rotated.code, 0, rotated.stderr);
			const newKey = /^ {2}(sk-agp-\S+)$/m.exec(rotated.stdout)?.[1] ?? '';
			assert.notEqual(newKey, key);
			assert.match(rotated.stdout, /the old key no longer works/);
			assert.equal(h.store.users.byKeyHash(sha256(key)), undefined);
			assert.equal(h.store.users.byKeyHash(sha256(newKey))?.name, 'alice');

			assert.deepEqual(await h.users(['disable', 'bob']), {code: 0, stdout: 'Disabled bob: their key is refused until: agproxy users enable bob\n', stderr: ''});
			assert.equal(h.store.users.get('bob')?.disabled, true);
			assert.deepEqual(await h.users(['enable', 'bob']), {code: 0, stdout: 'Enabled bob.\n', stderr: ''});
			assert.equal(h.store.users.get('bob')?.disabled, false);
			assert.equal((await h.users(['delete', 'bob'])).code, 0);
			const gone = await h.users(['delete', 'bob']);
			assert.equal(gone.code, 1);
			assert.equal(gone.stderr, "agproxy: no user 'bob' (see agproxy users list)\n");
			assert.deepEqual(
				h.store.users.list().map(u => u.name),
				['alice'],
			);
			if (mode === 'local') {
				assert.ok(h.opened() > 0);
				assert.ok(h.store.flushes >= h.opened(), 'every local command saves before it lets go of the lock');
			} else {
				assert.equal(h.opened(), 0, 'with a server running, nothing opens the store locally');
			}
		});

		test('no users yet', async () => {
			const h = await open(mode);
			const empty = await h.users(['list']);
			assert.equal(empty.code, 0);
			assert.match(empty.stdout, /^No users yet/);
			assert.equal((await h.users(['list'], {json: true})).stdout, '[]\n');
		});
	});
}

describe('concurrent CLI commands while the server runs', () => {
	test('20 users create in parallel through the admin API: all present, 20 different keys', async () => {
		const h = await open('server');
		const names = Array.from({length: 20}, (_, i) => `user-${String(i).padStart(2, '0')}`);
		const results = await Promise.all(names.map(name => h.users(['create', name])));
		for (const result of results) assert.equal(result.code, 0, result.stderr);
		const keys = results.map(result => /^ {2}(sk-agp-\S+)$/m.exec(result.stdout)?.[1]);
		assert.equal(new Set(keys).size, 20);
		assert.deepEqual(
			h.store.users
				.list()
				.map(u => u.name)
				.sort(),
			names,
		);
		for (const [index, key] of keys.entries()) assert.equal(h.store.users.byKeyHash(sha256(key ?? ''))?.name, names[index]);
		const listed = JSON.parse((await h.users(['list'], {json: true})).stdout) as unknown[];
		assert.equal(listed.length, 20);
		assert.equal(h.opened(), 0);
		assert.equal(h.server?.outcomes.filter(o => o.action === 'users.create' && o.status === 200).length, 20);
	});
});
