// The client version end to end, over real sockets: the simulator refuses Antigravity versions below its minimum (a 200
// whose text is the refusal, as Google does); agproxy turns that into a 403 telling the operator what to change, marks
// the account in the pool, and a per-account version (the `accounts.setClientVersion` action, stored in proxy.db) fixes it.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {runAction} from '../../source/actions/registry.js';
import type {App} from '../../source/app.js';
import type {Simulator} from '../../source/simulator/index.js';
import {CLIENT_REFUSAL_TEXT} from '../../source/simulator/client-version.js';
import {DEFAULT_CLIENT_VERSION} from '../../source/upstream/client-version.js';
import {type PoolStack, startPoolStack} from '../helpers/stack.js';

const account = {email: 'old@client.test', refreshToken: '1//refresh-old', project: 'project-old', tier: 'free-tier'};

let stack: PoolStack;
let sim: Simulator;
let app: App;
let client: Anthropic;

before(async () => {
	// Google wants at least 3.0.0; agproxy presents its default (2.9.1) until told otherwise.
	stack = await startPoolStack({sim: {accounts: [account], minClientVersion: '3.0.0'}, prefix: 'agproxy-client-version-'});
	({sim, app, client} = stack);
});
after(() => stack.close());

function lastUserAgent(): string | undefined {
	const last = sim.requests.filter(r => r.rpc === 'streamGenerateContent').at(-1);
	return last?.headers?.['user-agent'] as string | undefined;
}

describe('client version', () => {
	it('the simulator answers an old Antigravity client with the 200 refusal, and a current one normally', async () => {
		const token = sim.issueAccessToken(account.email);
		const body = JSON.stringify({project: account.project, model: 'gemini-3-flash', userAgent: 'antigravity', requestType: 'agent', requestId: 'agent-1', request: {contents: [{role: 'user', parts: [{text: 'hi'}]}]}});
		const call = (userAgent: string): Promise<Response> =>
			fetch(`${sim.url}/v1internal:streamGenerateContent?alt=sse`, {method: 'POST', headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': userAgent}, body});
		const old = await call('antigravity/1.11.5 windows/amd64');
		assert.equal(old.status, 200);
		const text = await old.text();
		assert.ok(text.startsWith('data: ') && text.includes(CLIENT_REFUSAL_TEXT), text);
		const current = await call('antigravity/3.0.1 linux/amd64');
		assert.equal(current.status, 200);
		assert.ok(!(await current.text()).includes(CLIENT_REFUSAL_TEXT));
	});

	it('a refused version is a 403 saying what to change, and the account shows why it is unusable', async () => {
		await assert.rejects(client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => {
			assert.ok(error instanceof Anthropic.PermissionDeniedError, String(error));
			assert.match(error.message, new RegExp(`Google refuses client version ${DEFAULT_CLIENT_VERSION.replaceAll('.', '\\.')}`));
			assert.match(error.message, /agproxy settings set clientVersion/);
			assert.ok(!error.message.includes('Hello'), 'the refusal never passes as an answer');
			return true;
		});
		assert.equal(lastUserAgent(), `antigravity/${DEFAULT_CLIENT_VERSION} ${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`);
		const snapshot = app.pool?.snapshot().find(s => s.email === account.email);
		assert.equal(snapshot?.health, 'invalid');
		assert.match(snapshot?.invalidReason ?? '', /Google refuses client version/);
		// Not saved as invalid: a restart with a new clientVersion setting must find the account usable.
		assert.equal((await app.actions.store.accounts.get(account.email))?.invalid, undefined);
	});

	it('a per-account client version (stored, shown in the account list) makes the account usable again at once', async () => {
		const updated = await runAction(app.actions, 'accounts.setClientVersion', {email: account.email, version: '3.1.0'});
		assert.equal(updated.clientVersion, '3.1.0');
		assert.equal((await app.actions.store.accounts.get(account.email))?.clientVersion, '3.1.0');
		// The pool reloads from the store on the next turn of the event loop.
		await new Promise(resolve => setTimeout(resolve, 20));
		const message = await client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{role: 'user', content: 'hi'}]});
		assert.equal(message.type, 'message');
		assert.match(lastUserAgent() ?? '', /^antigravity\/3\.1\.0 /);
		const listed = await runAction(app.actions, 'accounts.list', {});
		assert.equal(listed[0]?.clientVersion, '3.1.0');
		await assert.rejects(runAction(app.actions, 'accounts.setClientVersion', {email: account.email, version: 'latest'}), /invalid client version 'latest'/);
		const cleared = await runAction(app.actions, 'accounts.setClientVersion', {email: account.email});
		assert.equal(cleared.clientVersion, undefined);
	});

	it("an account's version is presented on its quota calls too, and a refusal in an error body is recognised as well", async () => {
		await runAction(app.actions, 'accounts.setClientVersion', {email: account.email, version: '3.2.0'});
		await new Promise(resolve => setTimeout(resolve, 20));
		await app.pool?.quota?.refresh();
		const fetched = sim.requests.filter(r => r.rpc === 'fetchAvailableModels').at(-1);
		assert.match(String(fetched?.headers['user-agent']), /^antigravity\/3\.2\.0 /);
		sim.enqueue({script: {kind: 'http_error', error: 'invalid_argument_400', message: 'This version of Antigravity is no longer supported. Please upgrade to receive the latest features.'}});
		await assert.rejects(client.messages.create({model: 'gemini-3-flash', max_tokens: 50, messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => {
			assert.ok(error instanceof Anthropic.PermissionDeniedError, String(error));
			assert.match(error.message, /Google refuses client version 3\.2\.0/);
			return true;
		});
		const snapshot = app.pool?.snapshot().find(s => s.email === account.email);
		assert.equal(snapshot?.invalidReason, 'Google refuses client version 3.2.0: agproxy settings set clientVersion <newer> (or accounts set-client)');
		await runAction(app.actions, 'accounts.setClientVersion', {email: account.email, version: '3.3.0'});
		await new Promise(resolve => setTimeout(resolve, 20));
		assert.equal(app.pool?.snapshot().find(s => s.email === account.email)?.health, 'active');
	});

	it("verify presents the account's version on loadCodeAssist too, and the default once it is cleared", async () => {
		await runAction(app.actions, 'accounts.setClientVersion', {email: account.email, version: '9.9.9'});
		const loads = (): string[] => sim.requests.filter(r => r.rpc === 'loadCodeAssist').map(r => String(r.headers['user-agent']));
		const before = loads().length;
		const verdicts = await runAction(app.actions, 'accounts.verify', {});
		assert.equal(verdicts[0]?.kind, 'ok', JSON.stringify(verdicts));
		assert.equal(loads().length, before + 1);
		assert.match(loads().at(-1) ?? '', /^antigravity\/9\.9\.9 /);
		await runAction(app.actions, 'accounts.setClientVersion', {email: account.email});
		const refused = await runAction(app.actions, 'accounts.verify', {});
		// Back on the default (2.9.1, below this simulator's minimum): loadCodeAssist saw it.
		assert.match(loads().at(-1) ?? '', new RegExp(`^antigravity/${DEFAULT_CLIENT_VERSION.replaceAll('.', '\\.')} `));
		assert.equal(refused[0]?.email, account.email);
		await runAction(app.actions, 'accounts.setClientVersion', {email: account.email, version: '3.3.0'});
	});

	it('/v1/models says how many accounts offer each model', async () => {
		await app.pool?.quota?.refresh();
		const response = await fetch(`${app.url}/v1/models?limit=100`);
		const body = (await response.json()) as {data: Array<{id: string; agproxy?: {accounts: number}}>};
		assert.equal(body.data.find(m => m.id === 'claude-sonnet-4-6')?.agproxy?.accounts, 1);
	});
});
