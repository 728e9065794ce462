// Claude Code's subagents run in parallel within one session and send `x-claude-code-agent-id` (the main agent sends
// none). Each agent is its own conversation for the pool: parallel subagents spread over the accounts instead of piling
// onto the parent's, while each keeps one account and one upstream sessionId (its prompt cache) for all its turns.
// SDK -> agproxy (pool over a file store) -> simulator with two accounts, over real sockets.
import assert from 'node:assert/strict';
import {after, before, beforeEach, describe, it} from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import type {SimAccount, Simulator} from '../../source/simulator/index.js';
import {conversationKey} from '../../source/upstream/session.js';
import {type PoolStack, startPoolStack} from '../helpers/stack.js';

const accounts: SimAccount[] = ['one', 'two'].map(n => ({email: `${n}@agents.test`, refreshToken: `1//refresh-agents-${n}`, project: `project-agents-${n}`, tier: 'free-tier'}));

let stack: PoolStack;
let sim: Simulator;
let client: Anthropic;

before(async () => {
	stack = await startPoolStack({sim: {accounts}, env: {AGPROXY_MAX_WAIT_MS: '3000', AGPROXY_ACCOUNT_CONCURRENCY: '10'}, clientTimeoutMs: 20_000, prefix: 'agproxy-agents-'});
	({sim, client} = stack);
});
after(() => stack.close());
beforeEach(() => sim.reset());

/** One turn of `agent` (undefined: the main agent) in Claude Code session `session`; `tag` finds it in the simulator's log. */
async function turn(session: string, agent: string | undefined, tag: string, stream = false): Promise<void> {
	const headers: Record<string, string> = {'x-claude-code-session-id': session, ...(agent === undefined ? {} : {'x-claude-code-agent-id': agent})};
	const params = {model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{role: 'user' as const, content: `${tag}: work`}]};
	const message = stream ? await client.messages.stream(params, {headers}).finalMessage() : await client.messages.create(params, {headers});
	assert.equal(message.stop_reason, 'end_turn');
}

type Served = {account: string | undefined; sessionId: string};
function served(tag: string): Served[] {
	return sim.requests
		.filter(r => r.rpc === 'streamGenerateContent' && r.status === 200 && JSON.stringify(r.body).includes(`${tag}: work`))
		.map(r => ({account: r.account, sessionId: (r.body as {request: {sessionId: string}}).request.sessionId}));
}

/** All turns of one agent: one account, one upstream sessionId. */
function single(tag: string, turns: number): Served {
	const list = served(tag);
	assert.equal(list.length, turns, `${tag}: ${turns} answered turns`);
	assert.equal(new Set(list.map(s => s.account)).size, 1, `${tag} stays on one account: ${list.map(s => s.account).join(', ')}`);
	assert.equal(new Set(list.map(s => s.sessionId)).size, 1, `${tag} keeps one upstream sessionId`);
	return list[0] as Served;
}

describe('conversationKey with an agent id', () => {
	const request = {messages: [{role: 'user' as const, content: [{type: 'text' as const, text: 'hi'}]}]};
	it('is the session plus the agent, from the header session, the metadata session or the caller key', () => {
		assert.equal(conversationKey(request, 'S', 'key', 'a1'), 'session:S:agent:a1');
		assert.equal(conversationKey(request, 'S', 'key', undefined), 'session:S', 'the main agent keeps the plain session key');
		assert.equal(conversationKey({...request, metadata: {user_id: JSON.stringify({session_id: 'M'})}}, undefined, 'key', 'a1'), 'session:M:agent:a1');
		assert.equal(conversationKey(request, undefined, 'key', 'a1'), 'caller:key:agent:a1');
		assert.equal(conversationKey(request, 'S', undefined, 'x'.repeat(500)), `session:S:agent:${'x'.repeat(128)}`, 'a huge id is cut');
	});
});

describe('subagents of one Claude Code session', () => {
	it('two parallel subagents with different agent ids go to different accounts, each keeping its own', async () => {
		await turn('sess-parallel', undefined, 'parent');
		// Both subagents run at once, three turns each, one streaming and one not (Claude Code streams; both paths key alike).
		await Promise.all([
			(async () => {
				for (let i = 0; i < 3; i++) await turn('sess-parallel', 'agent-a1b2', 'sub-a', true);
			})(),
			(async () => {
				for (let i = 0; i < 3; i++) await turn('sess-parallel', 'agent-c3d4', 'sub-b');
			})(),
		]);
		await turn('sess-parallel', undefined, 'parent');
		const parent = single('parent', 2);
		const a = single('sub-a', 3);
		const b = single('sub-b', 3);
		assert.notEqual(a.account, b.account, 'different agents, different accounts');
		assert.equal(new Set([parent.sessionId, a.sessionId, b.sessionId]).size, 3, 'each agent has its own upstream sessionId');
	});

	it('the same agent id in two concurrent requests stays on one account with one upstream sessionId', async () => {
		await turn('sess-same', undefined, 'same-parent');
		await Promise.all([turn('sess-same', 'agent-e5f6', 'same-agent', true), turn('sess-same', 'agent-e5f6', 'same-agent')]);
		await turn('sess-same', 'agent-e5f6', 'same-agent');
		single('same-agent', 3);
	});

	it('without an agent id (the main agent, other clients) the whole session keeps one account', async () => {
		await Promise.all([turn('sess-main', undefined, 'main-only'), turn('sess-main', undefined, 'main-only', true)]);
		await turn('sess-main', undefined, 'main-only');
		single('main-only', 3);
	});
});
