// Real Claude Code (headless `claude -p --output-format json`) against agproxy and the simulator. The pinned client
// (test/e2e/client): the core scenarios (tool loops that really write and read files, thinking for Claude and Gemini
// models, its WebSearch and Agent tools; see scenarios.ts), then group failover, a long 429 in mid-session and a keyed
// user. The newest client runs the core scenarios in claude-code-latest.e2e.ts. Run by `npm run test:e2e` (and
// `.ci/run`), not by `npm test`: it needs the clients (a few hundred MB).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {runAction} from '../../source/actions/registry.js';
import {E2E_ACCOUNTS, PINNED, describeRun, generateCalls, runClaude, waitFor} from './harness.js';
import {coreScenarios, e2e, modelOf, workspaceDir, writeThenRead} from './scenarios.js';

coreScenarios(PINNED);

describe(`Claude Code ${PINNED.version} (pinned): groups, limits and keys`, () => {
	it('through a model-group alias whose first member is exhausted on every account', async () => {
		await runAction(e2e.app.actions, 'groups.create', {alias: 'e2e-team', strategy: 'priority'});
		await runAction(e2e.app.actions, 'groups.addMember', {alias: 'e2e-team', model: 'claude-sonnet-4-6'});
		await runAction(e2e.app.actions, 'groups.addMember', {alias: 'e2e-team', model: 'gemini-3-flash'});
		// Exhaust it only after agproxy's start-up quota check, so that agproxy has to learn it from the 429s.
		await waitFor(() => new Set(e2e.sim.requests.filter(r => r.rpc === 'fetchAvailableModels' && r.status === 200).map(r => r.account)).size === E2E_ACCOUNTS.length);
		const resetTime = new Date(Date.now() + 3_600_000).toISOString();
		for (const account of E2E_ACCOUNTS) e2e.sim.updateAccount(account.email, {quotas: {'claude-sonnet-4-6': {remainingFraction: 0, resetTime}}});
		await writeThenRead('loop-group', {model: 'e2e-team'});
		const calls = generateCalls(e2e.sim, 'loop-group');
		const exhausted = calls.filter(c => modelOf(c.body) === 'claude-sonnet-4-6');
		assert.ok(exhausted.length >= 1 && exhausted.every(c => c.status === 429), 'the first member was tried and was exhausted');
		assert.equal(new Set(exhausted.map(c => c.account)).size, E2E_ACCOUNTS.length, 'on every account before falling over');
		const served = calls.filter(c => modelOf(c.body) === 'gemini-3-flash');
		assert.equal(served.length, 3, 'all three turns were served by the second member');
		assert.ok(served.every(c => c.status === 200));
		assert.ok(calls.indexOf(exhausted.at(-1)!) < calls.indexOf(served[0]!), 'the exhausted member is learnt, not retried on every turn');
	});

	it('a long 429 on the bound account in mid-session moves the conversation on without an error', async () => {
		// The first request that continues the tool loop (turn 2) meets a 10-minute rate limit on whichever account it is bound to.
		e2e.sim.enqueue({match: {toolLoop: true}, times: 1, script: {kind: 'http_error', error: 'rate_limit', retryDelaySec: 600}});
		await writeThenRead('loop-429', {model: 'claude-sonnet-4-6'});
		const calls = generateCalls(e2e.sim, 'loop-429');
		assert.deepEqual(calls.map(c => c.status), [200, 429, 200, 200]);
		const [first, limited, moved, last] = calls.map(c => c.account);
		assert.equal(limited, first, 'turn 2 went to the account turn 1 used');
		assert.notEqual(moved, limited, 'and was answered by another account');
		assert.equal(last, moved, 'turn 3 stayed on the new account');
		const limits = (await (await fetch(`${e2e.app.url}/account-limits`)).json()) as {accounts: Array<{email: string; status?: string}>};
		assert.ok(limits.accounts.some(a => a.email === limited), JSON.stringify(limits));
	});

	it('a keyed user: the key works, usage is recorded, a wrong key is refused before any upstream call', async () => {
		const created = await runAction(e2e.app.actions, 'users.create', {name: 'e2e-user'});
		const refused: number[] = [];
		const onRequest = (event: {path: string; status: number}): void => {
			if (event.path === '/v1/messages') refused.push(event.status);
		};
		e2e.app.bus.on('request', onRequest);
		const wrong = await runClaude({baseUrl: e2e.app.url, workspace: workspaceDir(), apiKey: 'sk-agp-wrong', prompt: 'loop-denied: hello'});
		e2e.app.bus.off('request', onRequest);
		assert.equal(wrong.code, 1, describeRun(wrong));
		assert.equal(wrong.result?.is_error, true, describeRun(wrong));
		assert.equal(wrong.result?.api_error_status, 401, describeRun(wrong));
		assert.match(wrong.result?.result ?? '', /401 Invalid API key/);
		// x-should-retry: false makes Claude Code give up at once instead of backing off for 90 s.
		assert.deepEqual(refused, [401], 'one attempt, no retries');
		assert.equal(e2e.sim.requests.filter(r => r.rpc === 'streamGenerateContent').length, 0, 'nothing reached upstream');
		await writeThenRead('loop-keyed', {apiKey: created.key, model: 'claude-sonnet-4-6'});
		const served = e2e.sim.requests.filter(r => r.rpc === 'streamGenerateContent' && r.status === 200).length;
		const user = (await runAction(e2e.app.actions, 'users.list', {})).find(u => u.name === 'e2e-user');
		assert.ok(user);
		assert.equal(user.usage.total.requests, served, `one usage request per answered call (${served})`);
		assert.ok(user.usage.total.outputTokens > 0);
		assert.ok(user.lastUsedAt, 'last used is set');
	});
});
