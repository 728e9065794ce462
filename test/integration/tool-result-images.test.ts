// Images returned by tools (screenshots) reach the model, for a Claude and a Gemini model upstream: SDK -> agproxy ->
// simulator over real sockets. The tool_result becomes a functionResponse and the image an inlineData part right after
// the responses of that user turn (the responses must stay contiguous); the simulator checks the blob as the service
// does (base64, a supported type, for Claude bytes that match the declared type) and its echo answer lists the parts.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import {simMarker} from '../../source/simulator/index.js';
import {pngBase64} from '../helpers/images.js';
import {useStack} from '../helpers/stack.js';
import {ACCOUNT, call, envelope} from '../simulator/helpers.js';

const stack = useStack();

const SCREENSHOT = pngBase64(4, 3);
const tools: Anthropic.Tool[] = [{name: 'screenshot', description: 'Takes a screenshot of the screen', input_schema: {type: 'object', properties: {}}}];

/** A tool loop whose tool returned a caption and a screenshot; the echo script makes the simulator describe what it got. */
function conversation(stream: boolean, withText = true): Anthropic.MessageCreateParams {
	return {
		model: 'claude-sonnet-4-6',
		max_tokens: 300,
		stream,
		tools,
		messages: [
			{role: 'user', content: `What is on the screen? ${simMarker({kind: 'echo'})}`},
			{role: 'assistant', content: [{type: 'tool_use', id: 'toolu_screen_1', name: 'screenshot', input: {}}]},
			{
				role: 'user',
				content: [
					{
						type: 'tool_result',
						tool_use_id: 'toolu_screen_1',
						content: [...(withText ? [{type: 'text' as const, text: 'Screenshot of the login page'}] : []), {type: 'image', source: {type: 'base64', media_type: 'image/png', data: SCREENSHOT}}],
					},
				],
			},
		],
	};
}

type WirePart = {text?: string; functionResponse?: {name: string; id?: string; response: Record<string, unknown>}; inlineData?: {mimeType: string; data: string}};

/** The last user turn of the generate call the simulator answered. */
function lastUserTurn(): WirePart[] {
	const served = stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent' && r.status === 200);
	assert.equal(served.length, 1, 'one upstream call, answered');
	const contents = (served[0]?.body as {request: {contents: Array<{role: string; parts: WirePart[]}>}}).request.contents;
	const last = contents.at(-1);
	assert.equal(last?.role, 'user');
	return last.parts;
}

function echoed(message: Anthropic.Message): {model: string; parts: string[][]} {
	const text = message.content.flatMap(b => (b.type === 'text' ? [b.text] : [])).join('');
	return JSON.parse(text) as {model: string; parts: string[][]};
}

for (const model of ['claude-sonnet-4-6', 'gemini-3-flash']) {
	describe(`a screenshot in a tool_result reaches ${model}`, () => {
		it('non-streaming: the functionResponse, then the image as inlineData with the same bytes', async () => {
			const message = (await stack.client.messages.create({...conversation(false), model})) as Anthropic.Message;
			const parts = lastUserTurn();
			assert.equal(parts.length, 2);
			assert.equal(parts[0]?.functionResponse?.name, 'screenshot');
			assert.deepEqual(parts[0]?.functionResponse?.response, {output: 'Screenshot of the login page'});
			if (model.startsWith('claude')) assert.equal(parts[0]?.functionResponse?.id, 'toolu_screen_1', 'Claude pairs the result by id');
			assert.deepEqual(parts[1]?.inlineData, {mimeType: 'image/png', data: SCREENSHOT});
			// The model saw it: the echo answer lists the last turn as a response followed by an image.
			const echo = echoed(message);
			assert.equal(echo.model, model);
			assert.deepEqual(echo.parts.at(-1), ['functionResponse', 'inlineData']);
		});

		it('streaming, an image-only result: a placeholder output, the image after it', async () => {
			const stream = stack.client.messages.stream({...conversation(true, false), model} as Anthropic.MessageStreamParams);
			const message = await stream.finalMessage();
			assert.equal(message.stop_reason, 'end_turn');
			const parts = lastUserTurn();
			assert.deepEqual(parts[0]?.functionResponse?.response, {output: '(1 attachment follows)'});
			assert.deepEqual(parts[1]?.inlineData, {mimeType: 'image/png', data: SCREENSHOT});
			assert.deepEqual(echoed(message).parts.at(-1), ['functionResponse', 'inlineData']);
		});
	});
}

describe('the simulator checks inline images as the service does', () => {
	const loop = (model: string, blob: Record<string, string>): Record<string, unknown> => {
		const call1 = model.startsWith('claude') ? {name: 'screenshot', args: {}, id: 'toolu_1'} : {name: 'screenshot', args: {}};
		const response = model.startsWith('claude') ? {name: 'screenshot', id: 'toolu_1', response: {output: 'shot'}} : {name: 'screenshot', response: {output: 'shot'}};
		const signature = model.startsWith('claude') ? {} : {thoughtSignature: 'skip_thought_signature_validator'};
		return envelope(model, [
			{role: 'user', parts: [{text: 'look'}]},
			{role: 'model', parts: [{functionCall: call1, ...signature}]},
			{role: 'user', parts: [{functionResponse: response}, {inlineData: blob}]},
		], {tools: [{functionDeclarations: [{name: 'screenshot', parameters: {type: 'OBJECT', properties: {why: {type: 'STRING'}}}}]}]});
	};
	const post = (body: Record<string, unknown>): ReturnType<typeof call> =>
		call(stack.sim, '/v1internal:streamGenerateContent?alt=sse', body, stack.sim.issueAccessToken(ACCOUNT));

	it('accepts a real PNG after the function response for both families', async () => {
		for (const model of ['claude-sonnet-4-6', 'gemini-3-flash']) {
			const reply = await post(loop(model, {mimeType: 'image/png', data: SCREENSHOT}));
			assert.equal(reply.status, 200, `${model}: ${reply.text.slice(0, 300)}`);
		}
	});

	it('Claude: bytes that are not the declared type are Anthropic\'s 400', async () => {
		const reply = await post(loop('claude-sonnet-4-6', {mimeType: 'image/jpeg', data: SCREENSHOT}));
		assert.equal(reply.status, 400);
		assert.match(reply.text, /Image does not match the provided media type image\/jpeg/);
	});

	it('Claude: an unsupported image type is refused; Gemini: an unreadable MIME type and an empty blob are refused', async () => {
		const claude = await post(loop('claude-sonnet-4-6', {mimeType: 'image/bmp', data: SCREENSHOT}));
		assert.equal(claude.status, 400);
		assert.match(claude.text, /media_type: Input should be 'image\/jpeg', 'image\/png', 'image\/gif' or 'image\/webp'/);
		const odd = await post(loop('gemini-3-flash', {mimeType: 'application/x-foo', data: SCREENSHOT}));
		assert.equal(odd.status, 400);
		assert.match(odd.text, /mimeType parameter with value application\/x-foo, which is not supported/);
		const empty = await post(loop('gemini-3-flash', {mimeType: 'image/png', data: ''}));
		assert.equal(empty.status, 400);
		assert.match(empty.text, /empty inlineData/);
	});
});
