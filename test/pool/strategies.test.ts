import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {type AccountView, type SelectInput, isStrategyName, select} from '../../source/accounts/strategies.js';

const NOW = 1_000_000;

function acct(email: string, extra: Partial<AccountView> = {}): AccountView {
	return {email, inFlight: 0, capacity: 8, queued: 0, sessions: 0, ...extra};
}

function input(accounts: AccountView[], extra: Partial<SelectInput> = {}): SelectInput {
	return {strategy: 'sticky', now: NOW, accounts, cursor: 0, maxWaitMs: 120_000, stickyWaitMs: 2_000, quotaThreshold: 0.05, ...extra};
}

const limited = (kind: NonNullable<AccountView['limit']>['kind'], ms: number): Partial<AccountView> => ({limit: {kind, until: NOW + ms}});

describe('sticky', () => {
	it('binds a new conversation to the account with the fewest conversations', () => {
		const s = select(input([acct('a', {sessions: 3}), acct('b', {sessions: 1}), acct('c', {sessions: 2})]));
		assert.deepEqual(s, {kind: 'use', email: 'b', bind: 'b', why: 'new conversation'});
	});

	it('ties go to the least loaded, then least recently used, then store order', () => {
		const s1 = select(input([acct('a', {inFlight: 2}), acct('b', {inFlight: 1})]));
		assert.equal(s1.kind === 'use' ? s1.email : '', 'b');
		const s2 = select(input([acct('a', {lastUsed: NOW - 10}), acct('b', {lastUsed: NOW - 1000})]));
		assert.equal(s2.kind === 'use' ? s2.email : '', 'b');
		const s3 = select(input([acct('a'), acct('b')]));
		assert.equal(s3.kind === 'use' ? s3.email : '', 'a');
	});

	it('keeps a conversation on its bound account', () => {
		const s = select(input([acct('a'), acct('b', {sessions: 5, inFlight: 3})], {bound: 'b'}));
		assert.deepEqual(s, {kind: 'use', email: 'b', why: 'bound account'});
	});

	it('never chooses an exhausted account; rebinds a conversation whose account is exhausted', () => {
		const s = select(input([acct('a', limited('exhausted', 3_600_000)), acct('b', {sessions: 9})], {bound: 'a'}));
		assert.deepEqual(s, {kind: 'use', email: 'b', bind: 'b', why: 'bound account out: rebound'});
	});

	it('bound account limited for <= stickyWaitMs: waits for it even when others are free (cache)', () => {
		const s = select(input([acct('a', limited('rate_limited', 1_500)), acct('b')], {bound: 'a'}));
		assert.equal(s.kind, 'wait');
		assert.ok(s.kind === 'wait' && s.email === 'a' && s.until === NOW + 1_500);
	});

	it('bound account briefly limited (<= maxWaitMs): moves this request to a free account, keeps the binding', () => {
		const s = select(input([acct('a', limited('rate_limited', 30_000)), acct('b')], {bound: 'a'}));
		assert.equal(s.kind, 'use');
		assert.ok(s.kind === 'use' && s.email === 'b' && s.bind === undefined);
		const capacity = select(input([acct('a', limited('capacity', 10_000)), acct('b')], {bound: 'a'}));
		assert.ok(capacity.kind === 'use' && capacity.email === 'b' && capacity.bind === undefined);
	});

	it('bound account briefly limited and no other free: waits for it (same account, no switch)', () => {
		const s = select(input([acct('a', limited('rate_limited', 30_000)), acct('b', limited('exhausted', 3_600_000))], {bound: 'a'}));
		assert.deepEqual(s, {kind: 'wait', email: 'a', until: NOW + 30_000, why: 'bound account briefly limited, no other free: waiting'});
		const saturated = select(input([acct('a', limited('rate_limited', 30_000)), acct('b', {inFlight: 8})], {bound: 'a'}));
		assert.equal(saturated.kind, 'wait');
	});

	it('bound account limited longer than maxWaitMs: rebinds', () => {
		const s = select(input([acct('a', limited('rate_limited', 600_000)), acct('b')], {bound: 'a'}));
		assert.deepEqual(s, {kind: 'use', email: 'b', bind: 'b', why: 'bound account out: rebound'});
	});

	it('a bound account that is gone (removed, disabled, invalid) is rebound', () => {
		const s = select(input([acct('b')], {bound: 'a'}));
		assert.ok(s.kind === 'use' && s.email === 'b' && s.bind === 'b');
	});

	it('bound account saturated: the request spills to the least-loaded free account, binding kept', () => {
		// c has more conversations bound but fewer requests in flight: load decides for a spill.
		const s = select(input([acct('a', {inFlight: 8}), acct('b', {inFlight: 5, sessions: 1}), acct('c', {inFlight: 2, sessions: 4})], {bound: 'a'}));
		assert.ok(s.kind === 'use' && s.email === 'c' && s.bind === undefined, JSON.stringify(s));
	});

	it('bound account saturated and nothing else free: queues on the bound account', () => {
		const s = select(input([acct('a', {inFlight: 8}), acct('b', {inFlight: 6, queued: 2}), acct('c', limited('exhausted', 1000_000))], {bound: 'a'}));
		assert.ok(s.kind === 'use' && s.email === 'a' && s.bind === undefined);
	});

	it('subagent fan-out on one session never piles onto an exhausted account', () => {
		const accounts = [acct('a', limited('exhausted', 3_600_000)), acct('b'), acct('c')];
		for (let i = 0; i < 5; i++) {
			const s = select(input(accounts, {bound: 'b'}));
			assert.ok(s.kind === 'use' && s.email !== 'a');
		}
	});

	it('nothing usable: waits for the account that frees up first, within maxWaitMs', () => {
		const s = select(input([acct('a', limited('rate_limited', 50_000)), acct('b', limited('capacity', 8_000))]));
		assert.deepEqual(s, {kind: 'wait', email: 'b', until: NOW + 8_000, why: 'every account limited; the first frees up soon'});
	});

	it('nothing usable for longer than maxWaitMs: out, with the earliest end', () => {
		const s = select(input([acct('a', limited('exhausted', 7_200_000)), acct('b', limited('rate_limited', 300_000))]));
		assert.deepEqual(s, {kind: 'out', retryAt: NOW + 300_000, why: 'every account limited for longer than the wait limit'});
	});

	it('the wait budget bounds waits: a spent budget means out', () => {
		const s = select(input([acct('a', limited('rate_limited', 50_000))], {waitBudgetMs: 10_000}));
		assert.equal(s.kind, 'out');
		assert.ok(s.kind === 'out' && s.retryAt === NOW + 50_000);
	});

	it('no accounts: out without a time', () => {
		assert.deepEqual(select(input([])), {kind: 'out', why: 'no account'});
	});

	it('prefers accounts above the quota threshold for new conversations', () => {
		const s = select(input([acct('a', {remainingFraction: 0.01}), acct('b', {remainingFraction: 0.5, sessions: 4})]));
		assert.ok(s.kind === 'use' && s.email === 'b');
	});
});

describe('round-robin', () => {
	it('rotates over free accounts and never binds', () => {
		const accounts = [acct('a'), acct('b'), acct('c')];
		let cursor = 0;
		const order: string[] = [];
		for (let i = 0; i < 4; i++) {
			const s = select(input(accounts, {strategy: 'round-robin', cursor, bound: 'a'}));
			assert.ok(s.kind === 'use' && s.bind === undefined);
			if (s.kind === 'use') {
				order.push(s.email);
				cursor = s.cursor ?? 0;
			}
		}
		assert.deepEqual(order, ['a', 'b', 'c', 'a']);
	});

	it('skips limited and saturated accounts', () => {
		const accounts = [acct('a'), acct('b', limited('rate_limited', 5_000)), acct('c', {inFlight: 8}), acct('d')];
		const s = select(input(accounts, {strategy: 'round-robin', cursor: 1}));
		assert.ok(s.kind === 'use' && s.email === 'd' && s.cursor === 4);
	});

	it('all saturated: the least loaded one (queue)', () => {
		const s = select(input([acct('a', {inFlight: 8, queued: 3}), acct('b', {inFlight: 8, queued: 1})], {strategy: 'round-robin'}));
		assert.ok(s.kind === 'use' && s.email === 'b');
	});

	it('nothing usable: waits or is out like the others', () => {
		assert.equal(select(input([acct('a', limited('rate_limited', 5_000))], {strategy: 'round-robin'})).kind, 'wait');
		assert.equal(select(input([acct('a', limited('exhausted', 500_000))], {strategy: 'round-robin'})).kind, 'out');
	});
});

describe('quota-aware', () => {
	const q = (fraction: number | undefined, resetIn?: number, extra: Partial<AccountView> = {}): Partial<AccountView> => ({
		...(fraction === undefined ? {} : {remainingFraction: fraction}),
		...(resetIn === undefined ? {} : {resetAt: NOW + resetIn}),
		...extra,
	});

	it('picks the account with the most remaining quota', () => {
		const s = select(input([acct('a', q(0.3)), acct('b', q(0.9)), acct('c', q(0.6))], {strategy: 'quota-aware'}));
		assert.ok(s.kind === 'use' && s.email === 'b' && s.bind === 'b');
	});

	it('at similar quota (same 10% bucket) the soonest reset wins', () => {
		const s = select(input([acct('a', q(0.85, 5 * 3_600_000)), acct('b', q(0.82, 3_600_000))], {strategy: 'quota-aware'}));
		assert.ok(s.kind === 'use' && s.email === 'b');
	});

	it('skips accounts under the threshold (default 0.05) unless nothing else is usable', () => {
		const s = select(input([acct('a', q(0.04)), acct('b', q(0.2))], {strategy: 'quota-aware'}));
		assert.ok(s.kind === 'use' && s.email === 'b');
		const only = select(input([acct('a', q(0.04)), acct('b', q(0.2, undefined, limited('exhausted', 9_999_999)))], {strategy: 'quota-aware'}));
		assert.ok(only.kind === 'use' && only.email === 'a');
	});

	it('unknown quota counts as 0.5', () => {
		const s = select(input([acct('a', q(0.4)), acct('b')], {strategy: 'quota-aware'}));
		assert.ok(s.kind === 'use' && s.email === 'b');
	});

	it('keeps a binding while the account is above the threshold, rebinds once it falls under', () => {
		const keep = select(input([acct('a', q(0.2)), acct('b', q(0.9))], {strategy: 'quota-aware', bound: 'a'}));
		assert.ok(keep.kind === 'use' && keep.email === 'a');
		const move = select(input([acct('a', q(0.02)), acct('b', q(0.9))], {strategy: 'quota-aware', bound: 'a'}));
		assert.ok(move.kind === 'use' && move.email === 'b' && move.bind === 'b');
	});
});

describe('strategy names', () => {
	it('validates', () => {
		assert.equal(isStrategyName('sticky'), true);
		assert.equal(isStrategyName('round-robin'), true);
		assert.equal(isStrategyName('quota-aware'), true);
		assert.equal(isStrategyName('hybrid'), false);
		assert.equal(isStrategyName(3), false);
	});
});
