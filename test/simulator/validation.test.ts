import assert from 'node:assert/strict';
import {before, describe, test} from 'node:test';
import type {Simulator} from '../../source/simulator/index.js';
import {ACCOUNT, type Content, type Reply, envelope, errorMessage, sim, stream, user} from './helpers.js';

let s: Simulator;
let token: string;
before(async () => {
	s = await sim();
	token = s.issueAccessToken(ACCOUNT);
});

const CLAUDE = 'claude-sonnet-4-6';
const CLAUDE_THINKING = 'claude-opus-4-6-thinking';
const GEMINI = 'gemini-3-flash';

function withTool(parameters: unknown, model = GEMINI, name = 'Write'): Record<string, unknown> {
	return envelope(model, [user('hi')], {tools: [{functionDeclarations: [{name, description: 'd', parameters}]}]});
}

type Violation = {field?: string; description: string};
function violations(reply: Reply): Violation[] {
	const body = reply.json as {error: {details?: Array<{'@type': string; fieldViolations?: Violation[]}>}};
	return body.error.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest')?.fieldViolations ?? [];
}

async function rejects(body: unknown, message: string, status = 400): Promise<Reply> {
	const reply = await stream(s, body, token);
	assert.equal(reply.status, status, reply.text);
	assert.equal(errorMessage(reply), message);
	assert.equal((reply.json as {error: {status: string}}).error.status, status === 400 ? 'INVALID_ARGUMENT' : 'NOT_FOUND');
	return reply;
}

function claudeMessage(reply: Reply): string {
	const inner = JSON.parse(errorMessage(reply)) as {type: string; error: {type: string; message: string}; request_id: string};
	assert.equal(inner.type, 'error');
	assert.equal(inner.error.type, 'invalid_request_error');
	assert.match(inner.request_id, /^req_vrtx_011C[1-9A-Za-z]{20}$/);
	return inner.error.message;
}

describe('proto parse errors (BadRequest, one violation each)', () => {
	test('$schema in parameters', async () => {
		const reply = await rejects(
			withTool({$schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: {a: {type: 'string'}}}),
			'Invalid JSON payload received. Unknown name "$schema" at \'request.tools[0].function_declarations[0].parameters\': Cannot find field.',
		);
		assert.deepEqual(violations(reply), [
			{
				field: 'request.tools[0].function_declarations[0].parameters',
				description: 'Invalid JSON payload received. Unknown name "$schema" at \'request.tools[0].function_declarations[0].parameters\': Cannot find field.',
			},
		]);
	});

	test('const inside any_of, map entries addressed by position', async () => {
		await rejects(
			withTool({type: 'object', properties: {a: {type: 'string'}, mode: {anyOf: [{const: 'x', type: 'string'}, {type: 'string'}]}}}),
			'Invalid JSON payload received. Unknown name "const" at \'request.tools[0].function_declarations[0].parameters.properties[1].value.any_of[0]\': Cannot find field.',
		);
	});

	test('additionalProperties, propertyNames, exclusiveMinimum each reported, joined by newlines', async () => {
		const reply = await stream(
			s,
			withTool({type: 'object', additionalProperties: false, properties: {n: {type: 'number', exclusiveMinimum: 0}, m: {type: 'object', propertyNames: {pattern: 'x'}, properties: {a: {type: 'string'}}}}}),
			token,
		);
		assert.equal(reply.status, 400);
		const base = 'request.tools[0].function_declarations[0].parameters';
		assert.deepEqual(
			violations(reply).map((v) => v.field),
			[base, `${base}.properties[0].value`, `${base}.properties[1].value`],
		);
		assert.equal(errorMessage(reply).split('\n').length, 3);
		assert.match(errorMessage(reply), /Unknown name "additionalProperties" at 'request\.tools\[0\]\.function_declarations\[0\]\.parameters': Cannot find field\.\nInvalid JSON payload received\. Unknown name "exclusiveMinimum"/);
	});

	test('type as an array: Proto field is not repeating', async () => {
		await rejects(
			withTool({type: 'object', properties: {a: {type: ['string', 'null']}}}),
			'Invalid JSON payload received. Unknown name "type" at \'request.tools[0].function_declarations[0].parameters.properties[0].value\': Proto field is not repeating, cannot start list.',
		);
	});

	test('non-string enum value', async () => {
		await rejects(
			withTool({type: 'object', properties: {a: {type: 'string', enum: ['x', 2]}}}),
			"Invalid value at 'request.tools[0].function_declarations[0].parameters.properties[0].value.enum[1]' (TYPE_STRING), 2",
		);
	});

	test('unknown part field and cache_control on a part', async () => {
		await rejects(
			envelope(GEMINI, [{role: 'user', parts: [{text: 'hi', cache_control: {type: 'ephemeral'}}]}]),
			'Invalid JSON payload received. Unknown name "cache_control" at \'request.contents[0].parts[0]\': Cannot find field.',
		);
		await rejects(
			envelope(GEMINI, [{role: 'user', parts: [{text: 'hi', type: 'text'}]}]),
			'Invalid JSON payload received. Unknown name "type" at \'request.contents[0].parts[0]\': Cannot find field.',
		);
	});

	test('unknown names at top level, in request, generationConfig, thinkingConfig, functionCall, declarations', async () => {
		await rejects({...envelope(GEMINI, [user('hi')]), stream: true}, 'Invalid JSON payload received. Unknown name "stream": Cannot find field.');
		await rejects(envelope(GEMINI, [user('hi')], {system: 'x'}), 'Invalid JSON payload received. Unknown name "system" at \'request\': Cannot find field.');
		await rejects(
			envelope(GEMINI, [user('hi')], {generationConfig: {max_tokens: 5}}),
			'Invalid JSON payload received. Unknown name "max_tokens" at \'request.generation_config\': Cannot find field.',
		);
		await rejects(
			envelope(GEMINI, [user('hi')], {generationConfig: {thinkingConfig: {budget_tokens: 5}}}),
			'Invalid JSON payload received. Unknown name "budget_tokens" at \'request.generation_config.thinking_config\': Cannot find field.',
		);
		await rejects(
			envelope(GEMINI, [user('hi'), {role: 'model', parts: [{functionCall: {name: 'a', args: {}, input: {}}}]}]),
			'Invalid JSON payload received. Unknown name "input" at \'request.contents[1].parts[0].function_call\': Cannot find field.',
		);
		const tool = envelope(GEMINI, [user('hi')], {tools: [{functionDeclarations: [{name: 'a', defer_loading: true}]}]});
		await rejects(tool, 'Invalid JSON payload received. Unknown name "defer_loading" at \'request.tools[0].function_declarations[0]\': Cannot find field.');
	});

	test('wrong scalar types, bad base64 bytes, two data fields in one part', async () => {
		await rejects(
			envelope(GEMINI, [user('hi')], {generationConfig: {maxOutputTokens: 'lots'}}),
			'Invalid value at \'request.generation_config.max_output_tokens\' (TYPE_INT32), "lots"',
		);
		await rejects(
			envelope(GEMINI, [{role: 'user', parts: [{inlineData: {mimeType: 'image/png', data: 'not base64!'}}]}]),
			'Invalid value at \'request.contents[0].parts[0].inline_data.data\' (TYPE_BYTES), Base64 decoding failed for "not base64!"',
		);
		await rejects(
			envelope(GEMINI, [{role: 'user', parts: [{text: 'a', functionResponse: {name: 'x', response: {}}}]}]),
			"Invalid JSON payload received. Oneof field 'data' is already set. Cannot set 'function_response' at 'request.contents[0].parts[0]'.",
		);
	});

	test('invalid JSON body', async () => {
		const reply = await stream(s, '{"model": ', token);
		assert.equal(reply.status, 400);
		assert.match(errorMessage(reply), /^Invalid JSON payload received\./);
	});
});

describe('semantic errors (* GenerateContentRequest lines)', () => {
	test('required naming an undefined property', async () => {
		await rejects(
			withTool({type: 'object', properties: {a: {type: 'string'}}, required: ['a', 'b']}),
			'* GenerateContentRequest.tools[0].function_declarations[0].parameters.required[1]: property is not defined\n',
		);
	});

	test('empty OBJECT, ARRAY without items, missing type, enum on a non-string', async () => {
		await rejects(withTool({type: 'object', properties: {}}), '* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties: should be non-empty for OBJECT type\n');
		await rejects(
			withTool({type: 'OBJECT', properties: {todos: {type: 'ARRAY'}, x: {description: 'anything'}, n: {type: 'INTEGER', enum: ['1']}}}),
			'* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties[todos].items: missing field.\n' +
				'* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties[x].type: must be specified when not using one_of, any_of or all_of fields\n' +
				'* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties[n].enum: only allowed for STRING type\n',
		);
	});

	test('tool names', async () => {
		const reply = await rejects(
			withTool({type: 'object', properties: {a: {type: 'string'}}}, GEMINI, 'mcp/server tool'),
			'* GenerateContentRequest.tools[0].function_declarations[0].name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n',
		);
		assert.equal(violations(reply).length, 0, 'semantic errors carry no details');
		assert.equal((await stream(s, withTool({type: 'object', properties: {a: {type: 'string'}}}, GEMINI, `a${'b'.repeat(64)}`), token)).status, 400);
		assert.equal((await stream(s, withTool({type: 'object', properties: {a: {type: 'string'}}}, GEMINI, 'mcp__srv.tool:x-1'), token)).status, 200);
	});

	test('empty contents, a content without parts, a part without data, bad or missing role', async () => {
		await rejects(envelope(GEMINI, []), '* GenerateContentRequest.contents: contents is not specified\n');
		await rejects(envelope(GEMINI, [user('a'), {role: 'model', parts: []}]), '* GenerateContentRequest.contents[1].parts: contents.parts must not be empty.\n');
		await rejects(envelope(GEMINI, [{role: 'user', parts: [{thought: true}]}]), "* GenerateContentRequest.contents[0].parts[0].data: required oneof field 'data' must have one initialized field\n");
		await rejects(envelope(GEMINI, [{role: 'assistant', parts: [{text: 'a'}]}]), 'Please use a valid role: user, model.');
		await rejects(envelope(GEMINI, [{parts: [{text: 'a'}]} as unknown as Content]), 'Please use a valid role: user, model.');
	});
});

describe('model rules', () => {
	test('unknown model is 404, missing project is 400', async () => {
		await rejects(envelope('claude-3-5-sonnet-20241022', [user('hi')]), 'Requested entity was not found.', 404);
		const {project: _dropped, ...noProject} = envelope(GEMINI, [user('hi')]);
		assert.equal((await stream(s, noProject, token)).status, 400);
	});

	test('Claude: output limit, thinking budget, empty text, duplicate tools', async () => {
		const limit = await stream(s, envelope(CLAUDE, [user('hi')], {generationConfig: {maxOutputTokens: 64001}}), token);
		assert.equal(limit.status, 400);
		assert.equal((limit.json as {error: {status: string; details?: unknown}}).error.details, undefined);
		assert.equal(claudeMessage(limit), 'max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-6');
		const budget = await stream(s, envelope(CLAUDE_THINKING, [user('hi')], {generationConfig: {maxOutputTokens: 8000, thinkingConfig: {include_thoughts: true, thinking_budget: 8000}}}), token);
		assert.equal(budget.status, 400);
		assert.match(claudeMessage(budget), /^`max_tokens` must be greater than `thinking\.budget_tokens`/);
		const small = await stream(s, envelope(CLAUDE_THINKING, [user('hi')], {generationConfig: {thinkingConfig: {thinkingBudget: 100}}}), token);
		assert.equal(claudeMessage(small), 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
		const empty = await stream(s, envelope(CLAUDE, [{role: 'user', parts: [{text: 'a'}, {text: ''}]}]), token);
		assert.equal(claudeMessage(empty), 'messages: text content blocks must be non-empty');
		const blank = await stream(s, envelope(CLAUDE, [{role: 'user', parts: [{text: '  \n'}]}]), token);
		assert.equal(claudeMessage(blank), 'messages: text content blocks must contain non-whitespace text');
		const params = {type: 'object', properties: {a: {type: 'string'}}};
		const dup = await stream(s, envelope(CLAUDE, [user('hi')], {tools: [{functionDeclarations: [{name: 'A', parameters: params}, {name: 'A', parameters: params}]}]}), token);
		assert.equal(claudeMessage(dup), 'tools: Tool names must be unique.');
		// Gemini accepts an empty text part.
		assert.equal((await stream(s, envelope(GEMINI, [{role: 'user', parts: [{text: 'a'}, {text: ''}]}]), token)).status, 200);
	});

	test('Claude: tool ids', async () => {
		const call = (id?: string): Content => ({role: 'model', parts: [{functionCall: {name: 'Bash', args: {command: 'ls'}, ...(id === undefined ? {} : {id})}}]});
		const result = (id?: string): Content => ({role: 'user', parts: [{functionResponse: {name: 'Bash', response: {output: 'ok'}, ...(id === undefined ? {} : {id})}}]});
		const run = async (contents: Content[]): Promise<string> => claudeMessage(await stream(s, envelope(CLAUDE, contents), token));
		assert.equal(await run([user('go'), call(), result('t1')]), 'messages.1.content.0.tool_use.id: Field required');
		assert.equal(await run([user('go'), call('t1'), result()]), 'messages.2.content.0.tool_result.tool_use_id: Field required');
		const extra: Content = {role: 'user', parts: [...result('t1').parts, ...result('t2').parts]};
		assert.equal(
			await run([user('go'), call('t1'), extra]),
			'messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: t2. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
		);
		assert.equal(
			await run([user('go'), call('t1'), user('never mind')]),
			'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: t1. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
		);
		assert.equal(await run([user('go'), call('bad id!'), result('bad id!')]), "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'");
		assert.equal((await stream(s, envelope(CLAUDE, [user('go'), call('toolu_1'), result('toolu_1')]), token)).status, 200);
	});

	test('Gemini: output limit, thinking level, turn order, response count', async () => {
		await rejects(
			envelope(GEMINI, [user('hi')], {generationConfig: {maxOutputTokens: 100000}}),
			'Unable to submit request because it has a maxOutputTokens value of 100000 but the supported range is from 1 (inclusive) to 65536 (exclusive). Update the value and try again.',
		);
		await rejects(
			envelope('gemini-2.5-pro', [user('hi')], {generationConfig: {thinkingConfig: {thinkingLevel: 'high'}}}),
			'Unable to submit request because thinking_level is not supported by this model.',
		);
		assert.equal((await stream(s, envelope(GEMINI, [user('hi')], {generationConfig: {thinkingConfig: {thinkingLevel: 'high', includeThoughts: true}}}), token)).status, 200);
		const fc = (name: string): Record<string, unknown> => ({functionCall: {name, args: {}}, thoughtSignature: 'skip_thought_signature_validator'});
		const fr = (name: string): Record<string, unknown> => ({functionResponse: {name, response: {output: 'x'}}});
		await rejects(
			envelope(GEMINI, [user('a'), {role: 'model', parts: [{text: 'b'}]}, {role: 'model', parts: [fc('x')]}]),
			'Please ensure that function call turn comes immediately after a user turn or after a function response turn.',
		);
		await rejects(envelope(GEMINI, [user('a'), {role: 'user', parts: [fr('x')]}]), 'Please ensure that function response turn comes immediately after a function call turn.');
		await rejects(
			envelope(GEMINI, [user('a'), {role: 'model', parts: [fc('x'), {functionCall: {name: 'y', args: {}}}]}, {role: 'user', parts: [fr('x')]}]),
			'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
		);
	});
});

describe('a clean request passes', () => {
	test('realistic sanitised tools, snake_case aliases, every envelope extra', async () => {
		const parameters = {
			type: 'OBJECT',
			properties: {
				file_path: {type: 'STRING', description: 'absolute path'},
				edits: {type: 'ARRAY', items: {type: 'OBJECT', properties: {old: {type: 'string'}, new: {type: 'string', nullable: true}}, required: ['old']}, minItems: '1'},
				mode: {type: 'STRING', enum: ['a', 'b'], format: 'enum'},
				limit: {type: 'INTEGER', minimum: 1, maximum: 10, default: 5, example: 3},
				either: {anyOf: [{type: 'STRING'}, {type: 'NUMBER'}]},
			},
			required: ['file_path'],
			propertyOrdering: ['file_path', 'edits'],
		};
		const body = {
			project: 'agproxy-demo-project',
			model: CLAUDE,
			userAgent: 'antigravity',
			requestType: 'agent',
			requestId: 'agent-1',
			user_prompt_id: 'p########1',
			enabled_credit_types: ['GOOGLE_ONE_AI'],
			request: {
				contents: [{role: 'user', parts: [{text: 'hello'}, {inline_data: {mime_type: 'image/png', data: 'iVBORw0KGgo='}}]}],
				system_instruction: {role: 'user', parts: [{text: 'be brief'}]},
				tools: [{function_declarations: [{name: 'Edit', description: 'edit', parameters}]}],
				tool_config: {function_calling_config: {mode: 'VALIDATED'}},
				generation_config: {max_output_tokens: 64000, temperature: 1, top_p: 0.95, top_k: 40, stop_sequences: ['\n\nHuman:']},
				labels: {a: 'b'},
				session_id: 'sess-1',
			},
		};
		const reply = await stream(s, body, token);
		assert.equal(reply.status, 200, reply.text);
	});
});
