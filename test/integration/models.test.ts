// Model churn and limits end to end: the official SDK -> agproxy -> the simulator, over real sockets. /v1/models reports
// each model's real context window and output limit, a retired id is a 404 naming its successors, and requests above a
// model's limits get Anthropic's own 400s before anything goes upstream.
import assert from 'node:assert/strict';
import {after, before, beforeEach, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {runAction} from '../../source/actions/registry.js';
import {DEFAULT_MODEL_RULES, parseModelRules} from '../../source/models/catalogue.js';
import {DEFAULT_MODELS, type SimModel} from '../../source/simulator/index.js';
import {RETIRED_MODEL_IDS} from '../../source/simulator/models.js';
import {DEMO_ACCOUNT, type Stack, startStack} from '../helpers/stack.js';

const TINY: SimModel = {id: 'gemini-tiny', displayName: 'Gemini Tiny', thinking: false, family: 'gemini', maxTokens: 1_000, maxOutputTokens: 500};

let stack: Stack;
before(async () => {
	stack = await startStack({
		sim: {models: [...DEFAULT_MODELS, TINY]},
		config: {modelRules: [...parseModelRules('my-tiny=gemini-tiny'), ...DEFAULT_MODEL_RULES]},
	});
	// The served list comes from the simulator's fetchAvailableModels shortly after start.
	for (let i = 0; i < 200 && !stack.app.models.servedIds().has('gemini-tiny'); i++) await new Promise(resolve => setTimeout(resolve, 10));
	assert.ok(stack.app.models.servedIds().has('gemini-tiny'), 'the upstream model list arrived');
});
after(() => stack.close());
beforeEach(() => stack.sim.reset());

function generateCalls(): number {
	return stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent').length;
}

type ModelObject = Anthropic.ModelInfo & {max_input_tokens: number | null; max_tokens: number | null};

describe('/v1/models', () => {
	it('reports each served model with its real context window and output limit (SDK list and retrieve)', async () => {
		const listed: ModelObject[] = [];
		for await (const model of stack.client.models.list({limit: 3})) listed.push(model as ModelObject);
		const byId = new Map(listed.map(m => [m.id, m]));
		assert.equal(byId.get('claude-sonnet-4-6')?.max_input_tokens, 200_000);
		assert.equal(byId.get('claude-sonnet-4-6')?.max_tokens, 64_000);
		assert.equal(byId.get('gemini-3-flash')?.max_input_tokens, 1_048_576);
		assert.equal(byId.get('gemini-tiny')?.max_input_tokens, 1_000, 'the upstream figures win over the catalogue');
		assert.ok(byId.has('gemini-pro-agent'), 'the renamed 3.1 Pro High is listed');
		for (const model of listed) assert.equal(model.type, 'model');
		const one = (await stack.client.models.retrieve('claude-opus-4-6-thinking')) as ModelObject;
		assert.equal(one.max_input_tokens, 200_000);
		assert.equal(one.max_tokens, 64_000);
	});
});

describe('retired model ids', () => {
	it('a retired id gets a 404 not_found_error naming the current ids, without an upstream call', async () => {
		await assert.rejects(
			stack.client.messages.create({model: 'claude-sonnet-4-6-thinking', max_tokens: 100, messages: [{role: 'user', content: 'hi'}]}),
			(error: unknown) => {
				assert.ok(error instanceof Anthropic.NotFoundError, String(error));
				assert.equal((error.error as {error: {type: string}}).error.type, 'not_found_error');
				assert.match(error.message, /claude-sonnet-4-6-thinking is no longer served by Google/);
				assert.match(error.message, /use claude-sonnet-4-6 or claude-opus-4-6-thinking instead/);
				return true;
			},
		);
		assert.equal(generateCalls(), 0);
	});

	it('an id the upstream does not know gets a 404 listing the served ids', async () => {
		await assert.rejects(stack.client.messages.create({model: 'gemini-9-imaginary', max_tokens: 100, messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => {
			assert.ok(error instanceof Anthropic.NotFoundError, String(error));
			assert.match(error.message, /Served models: .*claude-sonnet-4-6.*gemini-pro-agent/);
			return true;
		});
	});

	it('the simulator refuses every retired id the way Google does (404 NOT_FOUND)', async () => {
		for (const model of RETIRED_MODEL_IDS) {
			const response = await fetch(`${stack.sim.url}/v1internal:streamGenerateContent?alt=sse`, {
				method: 'POST',
				headers: {authorization: `Bearer ${stack.sim.issueAccessToken(DEMO_ACCOUNT)}`, 'content-type': 'application/json'},
				body: JSON.stringify({project: 'agproxy-demo-project', model, userAgent: 'antigravity', requestType: 'agent', requestId: 'agent-1', request: {contents: [{role: 'user', parts: [{text: 'hi'}]}]}}),
			});
			assert.equal(response.status, 404, model);
			const body = (await response.json()) as {error: {status: string; code: number}};
			assert.equal(body.error.status, 'NOT_FOUND', model);
		}
	});
});

describe('limits before any upstream call', () => {
	it('a prompt above the context window gets "prompt is too long: N tokens > M maximum" (400)', async () => {
		const huge = 'lorem ipsum dolor sit amet '.repeat(60_000);
		await assert.rejects(
			stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{role: 'user', content: huge}]}),
			(error: unknown) => {
				assert.ok(error instanceof Anthropic.BadRequestError, String(error));
				assert.match(error.message, /prompt is too long: \d+ tokens > 200000 maximum/);
				return true;
			},
		);
		// A small window (reported upstream) is honoured too, also for a model reached through a mapping rule.
		await assert.rejects(
			stack.client.messages.create({model: 'my-tiny', max_tokens: 100, messages: [{role: 'user', content: 'word '.repeat(2_000)}]}),
			/prompt is too long: \d+ tokens > 1000 maximum/,
		);
		assert.equal(generateCalls(), 0);
	});

	it('a model group moves a prompt too long for one member to a member with a larger window', async () => {
		await runAction(stack.app.actions, 'groups.create', {alias: 'long-context', strategy: 'priority'});
		await runAction(stack.app.actions, 'groups.addMember', {alias: 'long-context', model: 'gemini-tiny', order: 1});
		await runAction(stack.app.actions, 'groups.addMember', {alias: 'long-context', model: 'gemini-3-flash', order: 2});
		const {data: message, response} = await stack.client.messages
			.create({model: 'long-context', max_tokens: 100, messages: [{role: 'user', content: 'word '.repeat(2_000)}]})
			.withResponse();
		assert.equal(message.type, 'message');
		assert.equal(response.headers.get('x-agproxy-model'), 'gemini-3-flash');
		assert.equal(generateCalls(), 1, 'the too-small member was skipped without an upstream call');
	});

	it('max_tokens above the limit of the model asked for by its id is a 400 naming the field', async () => {
		await assert.rejects(
			stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 200_000, messages: [{role: 'user', content: 'hi'}]}),
			(error: unknown) => {
				assert.ok(error instanceof Anthropic.BadRequestError, String(error));
				assert.match(error.message, /max_tokens: 200000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-6/);
				return true;
			},
		);
		assert.equal(generateCalls(), 0);
	});

	it("Claude Code's own request (its model name, max_tokens 64000) is served; a chosen model's limit lowers max_tokens", async () => {
		const message = await stack.client.messages.create({model: 'claude-opus-4-8', max_tokens: 64_000, messages: [{role: 'user', content: 'hi'}]});
		assert.equal(message.stop_reason, 'end_turn');
		const mapped = await stack.client.messages.create({model: 'my-tiny', max_tokens: 64_000, messages: [{role: 'user', content: 'hi'}]});
		assert.equal(mapped.type, 'message');
		const last = stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent').at(-1)?.body as {request: {generationConfig?: {maxOutputTokens?: number}}};
		assert.equal(last.request.generationConfig?.maxOutputTokens, 500, 'clamped to gemini-tiny’s 500');
	});
});
