import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, test} from 'node:test';
import {validateMessagesRequest} from '../../source/anthropic/validate.js';
import {toCloudCodeRequest} from '../../source/translate/request.js';
import {largeMixedConversation} from './large-conversation.js';

// The expected contents were produced by the translation before it was rewritten for speed (bench/translate-big.ts):
// any change in merging, ordering, signatures or placeholders on a long mixed conversation shows up here.
const expected = JSON.parse(readFileSync(new URL('../fixtures/translate/large-mixed-contents.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('a long mixed conversation', () => {
	const request = validateMessagesRequest(JSON.parse(JSON.stringify(largeMixedConversation(40))));

	for (const servedModel of Object.keys(expected)) {
		test(`translates unchanged for ${servedModel}`, () => {
			const envelope = toCloudCodeRequest(request, {
				servedModel,
				project: 'proj-1',
				sessionId: 'session-1',
				requestId: 'agent-0000',
				toolCallSignature: id => (id.endsWith('3') ? `remembered-${id}` : undefined),
			});
			assert.deepEqual(JSON.parse(JSON.stringify(envelope.request.contents)), expected[servedModel]);
		});
	}

	test('keeps every call answered in call order and the turns alternating', () => {
		const contents = toCloudCodeRequest(request, {servedModel: 'gemini-3.1-pro-high', project: 'p', sessionId: 's', requestId: 'r', toolCallSignature: () => undefined}).request.contents;
		for (let i = 1; i < contents.length; i++) assert.notEqual(contents[i]?.role, contents[i - 1]?.role, `turn ${i}`);
		for (let i = 1; i < contents.length; i++) {
			const calls = (contents[i - 1]?.parts ?? []).flatMap(part => (part.functionCall ? [part.functionCall.id] : []));
			const responses = (contents[i]?.parts ?? []).flatMap(part => (part.functionResponse ? [part.functionResponse.id] : []));
			if (contents[i]?.role === 'user' && calls.length > 0) assert.deepEqual(responses, calls, `turn ${i}`);
		}
	});
});
