// Real Claude Code (pinned, headless `claude -p --output-format json`) against agproxy and the simulator: tool loops that
// really write and read files, thinking for Claude and Gemini models, group failover, a long 429 in mid-session and
// a keyed user. Run by `npm run test:e2e` (and `.ci/run`), not by `npm test`: it needs the 230 MB client.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {runAction} from '../../source/actions/registry.js';
import {SKIP_SIGNATURE} from '../../source/cloudcode/types.js';
import {simMarker} from '../../source/simulator/index.js';
import {type ClaudeRun, type E2E, E2E_ACCOUNTS, describeRun, generateCalls, makeWorkspace, runClaude, startE2E, waitFor} from './harness.js';

type Part = {text?: string; thought?: boolean; thoughtSignature?: string; functionCall?: {name: string}; functionResponse?: {name: string}};
type Turn = {role: string; parts?: Part[]};
const contentsOf = (body: unknown): Turn[] => (body as {request: {contents: Turn[]}}).request.contents;
const modelOf = (body: unknown): string => (body as {model: string}).model;

// A fresh agproxy and simulator per scenario: pool state (bindings, limits) must not leak from one run into the next.
let e2e: E2E;
let workspace: {dir: string; remove: () => void};
beforeEach(async () => {
	e2e = await startE2E();
	workspace = makeWorkspace();
});
afterEach(async () => {
	workspace.remove();
	await e2e.close();
});

/**
 * A prompt whose simulated answers make Claude Code write `file` with `content` through Bash, read it back with Read,
 * then finish with a text that quotes what Read returned (the simulator's default last step). `tag` makes the
 * conversation findable in the simulator's log.
 */
function writeThenReadPrompt(tag: string, file: string, content: string): string {
	const script = simMarker({
		kind: 'tools',
		calls: [
			{name: 'Bash', args: {command: `printf '%s\\n' '${content}' > ${file}`, description: 'Write the file'}},
			{name: 'Read', args: {file_path: join(workspace.dir, file)}},
		],
	});
	return `${tag}: write ${content} to ${file}, then read it back. ${script}`;
}

/** Runs the write-then-read loop and asserts the whole of it: 3 turns, the file on disk, the final text quoting it. */
async function writeThenRead(tag: string, options: {model?: string; apiKey?: string} = {}): Promise<ClaudeRun> {
	const content = `${tag}-${Math.random().toString(36).slice(2, 8)}`;
	const run = await runClaude({baseUrl: e2e.app.url, workspace: workspace.dir, prompt: writeThenReadPrompt(tag, 'notes.txt', content), ...options});
	assert.equal(run.code, 0, describeRun(run));
	assert.ok(run.result, describeRun(run));
	assert.equal(run.result.subtype, 'success', describeRun(run));
	assert.equal(run.result.is_error, false, describeRun(run));
	assert.equal(run.result.num_turns, 3, describeRun(run));
	assert.equal(readFileSync(join(workspace.dir, 'notes.txt'), 'utf8'), `${content}\n`, 'the file Claude Code wrote through Bash');
	assert.match(run.result.result ?? '', new RegExp(content), 'the final answer quotes what Read returned');
	return run;
}

/** The model turns agproxy sent back upstream in the last request of a conversation (its replayed history). */
function replayedModelTurns(tag: string): Turn[] {
	const calls = generateCalls(e2e.sim, tag);
	return contentsOf(calls.at(-1)?.body).filter(t => t.role === 'model');
}

describe('Claude Code end to end', () => {
	it('runs a write-then-read tool loop (Claude model, no thinking upstream)', async () => {
		await writeThenRead('loop-plain', {model: 'claude-sonnet-4-6'});
		const calls = generateCalls(e2e.sim, 'loop-plain');
		assert.equal(calls.length, 3);
		assert.ok(calls.every(c => modelOf(c.body) === 'claude-sonnet-4-6' && c.status === 200));
		assert.ok(contentsOf(calls[2]?.body).some(t => t.parts?.some(p => p.functionResponse?.name === 'Read')), 'the Read result went upstream');
	});

	it('with thinking on a Claude model: Claude Code\'s own default model maps to the thinking model and signatures round-trip', async () => {
		await writeThenRead('loop-claude-thinking');
		const calls = generateCalls(e2e.sim, 'loop-claude-thinking');
		assert.equal(calls.length, 3);
		assert.ok(calls.every(c => modelOf(c.body) === 'claude-opus-4-6-thinking' && c.status === 200), calls.map(c => `${modelOf(c.body)} ${c.status}`).join(', '));
		const turns = replayedModelTurns('loop-claude-thinking');
		assert.equal(turns.length, 2);
		for (const turn of turns) {
			const first = turn.parts?.[0];
			assert.equal(first?.thought, true, 'each replayed model turn starts with its thinking');
			assert.ok(turn.parts?.some(p => p.thought === true && (p.thoughtSignature ?? '').length > 20), 'with the signature Claude returned');
		}
	});

	it('with thinking on a Gemini model: function-call signatures round-trip, no sentinel needed', async () => {
		await writeThenRead('loop-gemini-thinking', {model: 'gemini-3.1-pro-high'});
		const calls = generateCalls(e2e.sim, 'loop-gemini-thinking');
		assert.equal(calls.length, 3);
		assert.ok(calls.every(c => modelOf(c.body) === 'gemini-3.1-pro-high' && c.status === 200));
		const turns = replayedModelTurns('loop-gemini-thinking');
		const signed = turns.flatMap(t => t.parts ?? []).filter(p => p.functionCall !== undefined);
		assert.equal(signed.length, 2);
		for (const part of signed) {
			assert.ok(part.thoughtSignature && part.thoughtSignature !== SKIP_SIGNATURE, `real signature on ${part.functionCall?.name}`);
		}
	});

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
		const wrong = await runClaude({baseUrl: e2e.app.url, workspace: workspace.dir, apiKey: 'sk-agp-wrong', prompt: 'loop-denied: hello'});
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
