// `agproxy groups …` through both targets: create/add/remove/move/list/delete/strategy, unknown models and aliases
// refused, usage errors, `groups test` through the running server (and a clear message without one), and concurrent
// member additions through the admin API that lose nothing.
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import * as users from '../../source/actions/users.js';
import {type GroupsFlags, runGroups} from '../../source/cli/groups.js';
import {type Harness, MODES, type Mode, harness, lines} from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
	for (const step of cleanup) await step();
});

type GroupsHarness = Harness & {groups: (args: string[], flags?: GroupsFlags) => ReturnType<Harness['run']>};

async function open(mode: Mode, ...rest: Parameters<typeof harness> extends [Mode, ...infer R] ? R : never): Promise<GroupsHarness> {
	const h = await harness(mode, ...rest);
	cleanup.push(h.close);
	return {...h, groups: (args, flags = {}) => h.run(io => runGroups(args, flags, io, {dataDir: h.dataDir, target: h.target}))};
}

for (const mode of MODES) {
	describe(`agproxy groups (${mode})`, () => {
		test('usage errors: exit 2, one line, nothing changed', async () => {
			const h = await open(mode);
			const cases: Array<[string[], GroupsFlags, RegExp]> = [
				[[], {}, /missing groups command/],
				[['merge'], {}, /unknown groups command 'merge'/],
				[['create', 'fast'], {}, /missing --strategy priority\|random/],
				[['create', 'fast'], {strategy: 'fastest'}, /invalid --strategy 'fastest'/],
				[['create'], {strategy: 'priority'}, /missing <alias>/],
				[['add', 'fast'], {}, /missing <model>: agproxy groups add <alias> <model>/],
				[['add', 'fast', 'm'], {order: 0}, /invalid --order 0/],
				[['add', 'fast', 'm'], {order: Number.NaN}, /invalid --order NaN/],
				[['add', 'fast', 'm'], {weight: -1}, /invalid --weight -1/],
				[['add', 'fast', 'm'], {strategy: 'random'}, /--strategy does not apply to 'groups add'/],
				[['move', 'fast', 'm', 'first'], {}, /invalid <order> first/],
				[['weight', 'fast', 'm'], {}, /missing <weight>/],
				[['weight', 'fast', 'm', 'heavy'], {}, /invalid <weight> heavy: expected a number above 0/],
				[['weight', 'fast', 'm', '0'], {}, /invalid <weight> 0/],
				[['strategy', 'fast', 'best'], {}, /invalid strategy 'best'/],
				[['list'], {order: 1}, /--order does not apply/],
				[['delete', 'fast', 'extra'], {}, /unexpected argument 'extra'/],
				[['remove', 'fast', 'm'], {user: ' '}, /--user is empty/],
				[['create', 'Fast'], {strategy: 'priority'}, /invalid group alias 'Fast'/],
				[['create', 'gemini-3-flash'], {strategy: 'priority'}, /'gemini-3-flash' is a model agproxy serves/],
			];
			for (const [args, flags, pattern] of cases) {
				const result = await h.groups(args, flags);
				assert.equal(result.code, 2, `${args.join(' ')} ${JSON.stringify(flags)}: ${result.stderr}`);
				assert.equal(lines(result.stderr).length, 1, result.stderr);
				assert.match(result.stderr, pattern);
				assert.equal(result.stdout, '');
			}
			assert.deepEqual(h.store.groups.list(), []);
		});

		test('create, add (order, weight), move, remove, strategy, list, delete; per-user groups', async () => {
			const h = await open(mode);
			const created = await h.groups(['create', 'fast'], {strategy: 'priority'});
			assert.deepEqual(created, {code: 0, stdout: 'Created group fast (priority). Add models with: agproxy groups add fast <model>\n', stderr: ''});
			assert.deepEqual(await h.groups(['add', 'fast', 'gemini-3-flash']), {
				code: 0,
				stdout: 'Added gemini-3-flash to fast.\nfast, priority: 1. gemini-3-flash\n',
				stderr: '',
			});
			assert.equal((await h.groups(['add', 'fast', 'claude-sonnet-4-6'], {order: 1})).code, 0);
			assert.equal((await h.groups(['add', 'fast', 'gemini-2.5-pro'], {weight: 3})).code, 0);
			assert.deepEqual(await h.groups(['move', 'fast', 'gemini-2.5-pro', '1']), {
				code: 0,
				stdout: 'fast, priority: 1. gemini-2.5-pro, 2. claude-sonnet-4-6, 3. gemini-3-flash\n',
				stderr: '',
			});
			assert.deepEqual(await h.groups(['strategy', 'fast', 'random']), {
				code: 0,
				stdout: 'fast, random: 1. gemini-2.5-pro (weight 3), 2. claude-sonnet-4-6 (weight 1), 3. gemini-3-flash (weight 1)\n',
				stderr: '',
			});
			assert.deepEqual(await h.groups(['weight', 'fast', 'gemini-3-flash', '2.5']), {
				code: 0,
				stdout: 'fast, random: 1. gemini-2.5-pro (weight 3), 2. claude-sonnet-4-6 (weight 1), 3. gemini-3-flash (weight 2.5)\n',
				stderr: '',
			});
			const heavy = await h.groups(['weight', 'fast', 'gemini-3-flash', '5000']);
			assert.deepEqual([heavy.code, heavy.stderr], [2, 'agproxy: weight: expected at most 1000, got 5000\n']);
			assert.equal((await h.groups(['weight', 'fast', 'gemini-3-flash', '1'])).code, 0);
			assert.equal((await h.groups(['remove', 'fast', 'claude-sonnet-4-6'])).code, 0);

			const unknown = await h.groups(['add', 'fast', 'gpt-5']);
			assert.equal(unknown.code, 2);
			assert.match(unknown.stderr, /^agproxy: unknown model 'gpt-5': agproxy does not serve it \(served: claude-sonnet-4-6, gemini-2\.5-pro, gemini-3-flash\)/);
			if (mode === 'local') assert.match(unknown.stderr, /agproxy is not running, so this was checked against its built-in model list/);
			else assert.doesNotMatch(unknown.stderr, /not running/);
			assert.equal((await h.groups(['create', 'smart'], {strategy: 'priority'})).code, 0);
			const nested = await h.groups(['add', 'smart', 'fast']);
			assert.equal(nested.code, 2);
			assert.match(nested.stderr, /'fast' is a group alias: a group's members are models, groups do not nest/);
			const duplicate = await h.groups(['add', 'fast', 'gemini-3-flash']);
			assert.equal(duplicate.code, 1);
			assert.match(duplicate.stderr, /already in group 'fast'/);
			const missing = await h.groups(['delete', 'nope']);
			assert.deepEqual([missing.code, missing.stderr], [1, "agproxy: no group 'nope' (see agproxy groups list)\n"]);

			// Per-user groups need the user; they shadow the global alias.
			const noUser = await h.groups(['create', 'fast'], {strategy: 'priority', user: 'bob'});
			assert.deepEqual([noUser.code, noUser.stderr], [1, "agproxy: no user 'bob' (see agproxy users list)\n"]);
			users.create({store: h.store, servedModels: () => new Set()}, 'bob');
			assert.equal((await h.groups(['create', 'fast'], {strategy: 'priority', user: 'bob'})).code, 0);
			assert.equal((await h.groups(['add', 'fast', 'gemini-3-flash'], {user: 'bob'})).code, 0);

			const table = await h.groups(['list']);
			assert.deepEqual(lines(table.stdout), [
				'ALIAS  USER  STRATEGY  MEMBERS',
				'fast   -     random    1. gemini-2.5-pro (weight 3), 2. gemini-3-flash (weight 1)',
				'smart  -     priority  (no members)',
				'fast   bob   priority  1. gemini-3-flash',
			]);
			const json = JSON.parse((await h.groups(['list'], {json: true, user: 'bob'})).stdout) as Array<Record<string, unknown>>;
			assert.match(String(json[0]?.['createdAt']), /^\d{4}-\d\d-\d\dT/);
			assert.deepEqual(
				json.map(({createdAt: _, ...group}) => group),
				[{alias: 'fast', owner: 'bob', strategy: 'priority', members: [{model: 'gemini-3-flash', order: 1, weight: 1, served: true}]}],
			);

			assert.deepEqual(await h.groups(['delete', 'fast'], {user: 'bob'}), {code: 0, stdout: 'Deleted group fast (user bob).\n', stderr: ''});
			assert.deepEqual(await h.groups(['delete', 'smart']), {code: 0, stdout: 'Deleted group smart.\n', stderr: ''});
			assert.deepEqual(
				h.store.groups.list().map(g => g.alias),
				['fast'],
			);
			const empty = await open(mode);
			assert.match((await empty.groups(['list'])).stdout, /^No groups yet/);
		});
	});
}

describe('agproxy groups test', () => {
	test('without a running server: says so, exit 1, does not touch the data', async () => {
		const h = await open('local');
		const result = await h.groups(['test', 'fast']);
		assert.equal(result.code, 1);
		assert.match(result.stderr, /^agproxy: groups test sends a request through the running agproxy, and none is running for .+: start it \(agproxy start\), then run this again\n$/);
		assert.equal(h.opened(), 0);
	});

	test('through the running server: which member answered, or why none did', async () => {
		const h = await open('server', {
			testGroup: async ({alias, owner}) => {
				if (owner === 'bob') throw new Error('every member failed (gemini-3-flash: 429 RESOURCE_EXHAUSTED)');
				return {model: 'gemini-3-flash', text: `Hello\nfrom ${alias}`};
			},
		});
		assert.equal((await h.groups(['create', 'fast'], {strategy: 'priority'})).code, 0);
		assert.equal((await h.groups(['add', 'fast', 'gemini-3-flash'])).code, 0);
		const ok = await h.groups(['test', 'fast']);
		assert.equal(ok.code, 0, ok.stderr);
		assert.match(ok.stdout, /^fast: answered by gemini-3-flash in \d+ ms: "Hello from fast"\n$/);

		users.create({store: h.store, servedModels: () => new Set()}, 'bob');
		assert.equal((await h.groups(['create', 'fast'], {strategy: 'priority', user: 'bob'})).code, 0);
		assert.equal((await h.groups(['add', 'fast', 'gemini-3-flash'], {user: 'bob'})).code, 0);
		const failed = await h.groups(['test', 'fast'], {user: 'bob'});
		assert.equal(failed.code, 1);
		assert.match(failed.stderr, /^agproxy: fast \(user bob\): no member answered \(\d+ ms\): every member failed \(gemini-3-flash: 429 RESOURCE_EXHAUSTED\)\n$/);
		const missing = await h.groups(['test', 'slow']);
		assert.deepEqual([missing.code, missing.stderr], [1, "agproxy: no group 'slow' (see agproxy groups list)\n"]);
	});

	test('a server without a tester answers 503: reported, exit 1', async () => {
		const h = await open('server');
		await h.groups(['create', 'fast'], {strategy: 'priority'});
		const result = await h.groups(['test', 'fast']);
		assert.equal(result.code, 1);
		assert.match(result.stderr, /^agproxy: groups test needs a running agproxy server that can send requests, and this one cannot\n$/);
	});
});

describe('concurrent groups changes while the server runs', () => {
	test('24 members added in parallel to one group: all there, positions 1..24', async () => {
		const served = new Set(Array.from({length: 24}, (_, i) => `model-${String(i).padStart(2, '0')}`));
		const h = await open('server', {}, served);
		assert.equal((await h.groups(['create', 'big'], {strategy: 'random'})).code, 0);
		const results = await Promise.all([...served].map(model => h.groups(['add', 'big', model])));
		for (const result of results) assert.equal(result.code, 0, result.stderr);
		const group = h.store.groups.get('big');
		assert.deepEqual(
			group?.members.map(m => m.model).sort(),
			[...served].sort(),
		);
		assert.deepEqual(
			group?.members.map(m => m.order),
			Array.from({length: 24}, (_, i) => i + 1),
		);
	});
});
