import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SseDecoder, parseChunk} from '../../source/cloudcode/sse.js';

/** Feeds every piece, then ends, collecting all payloads in order. */
function decodeAll(pieces: Array<string | Uint8Array>): string[] {
	const decoder = new SseDecoder();
	const out: string[] = [];
	for (const piece of pieces) out.push(...decoder.push(piece));
	out.push(...decoder.end());
	return out;
}

describe('SseDecoder', () => {
	it('splits LF-terminated events', () => {
		const decoder = new SseDecoder();
		assert.deepEqual(decoder.push('data: {"a":1}\n\ndata: {"b":2}\n\n'), ['{"a":1}', '{"b":2}']);
		assert.deepEqual(decoder.end(), []);
	});

	it('handles CRLF line ends, including a CRLF split across chunks', () => {
		const decoder = new SseDecoder();
		assert.deepEqual(decoder.push('data: {"a":1}\r'), []);
		assert.deepEqual(decoder.push('\n\r'), []);
		assert.deepEqual(decoder.push('\ndata: {"b":2}\r\n\r\n'), ['{"a":1}', '{"b":2}']);
	});

	it('treats a lone CR as a line end', () => {
		assert.deepEqual(decodeAll(['data: x\r\rdata: y\r\r']), ['x', 'y']);
	});

	it('accepts data: with and without the space', () => {
		assert.deepEqual(decodeAll(['data:{"a":1}\n\ndata: {"b":2}\n\n']), ['{"a":1}', '{"b":2}']);
	});

	it('joins multi-line data with a newline', () => {
		assert.deepEqual(decodeAll(['data: {"a":\ndata: 1}\n\n']), ['{"a":\n1}']);
	});

	it('ignores comments, event:, id:, retry: and stray comma lines', () => {
		const text = ': keep-alive\nevent: message\nid: 7\nretry: 100\ndata: {"a":1}\n\n,\n\ndata: {"b":2}\n,\n\n';
		assert.deepEqual(decodeAll([text]), ['{"a":1}', '{"b":2}']);
	});

	it('ignores [DONE] and empty data', () => {
		assert.deepEqual(decodeAll(['data: [DONE]\n\ndata:\n\ndata: {"a":1}\n\n']), ['{"a":1}']);
	});

	it('reassembles UTF-8 characters split across byte chunks', () => {
		const bytes = new TextEncoder().encode('data: {"t":"héllo 🙂"}\n\n');
		const emoji = bytes.indexOf(0xf0);
		const accent = bytes.indexOf(0xc3);
		const pieces = [bytes.slice(0, accent + 1), bytes.slice(accent + 1, emoji + 2), bytes.slice(emoji + 2)];
		assert.deepEqual(decodeAll(pieces), ['{"t":"héllo 🙂"}']);
	});

	it('decodes byte-by-byte input', () => {
		const bytes = new TextEncoder().encode('data: {"t":"ü"}\r\n\r\ndata: {"u":2}\r\n\r\n');
		const pieces = [...bytes].map((byte) => Uint8Array.of(byte));
		assert.deepEqual(decodeAll(pieces), ['{"t":"ü"}', '{"u":2}']);
	});

	it('emits a final event without a trailing blank line on end()', () => {
		const decoder = new SseDecoder();
		assert.deepEqual(decoder.push('data: {"a":1}\n\ndata: {"b":2}'), ['{"a":1}']);
		assert.deepEqual(decoder.end(), ['{"b":2}']);
	});

	it('emits a final event ending in a single newline or a lone CR on end()', () => {
		assert.deepEqual(decodeAll(['data: {"b":2}\n']), ['{"b":2}']);
		assert.deepEqual(decodeAll(['data: {"b":2}\r']), ['{"b":2}']);
	});

	it('reassembles a long line that arrives in many pieces', () => {
		const big = JSON.stringify({data: 'x'.repeat(200_000)});
		const text = `data: ${big}\r\n\r\ndata: {"n":2}\r\n\r\n`;
		const pieces: string[] = [];
		for (let at = 0; at < text.length; at += 997) pieces.push(text.slice(at, at + 997));
		assert.deepEqual(decodeAll(pieces), [big, '{"n":2}']);
	});

	it('returns nothing after end()', () => {
		const decoder = new SseDecoder();
		decoder.end();
		assert.deepEqual(decoder.push('data: x\n\n'), []);
		assert.deepEqual(decoder.end(), []);
	});
});

describe('parseChunk', () => {
	it('parses a wrapped chunk and keeps the known fields', () => {
		const data = JSON.stringify({
			response: {
				candidates: [
					{
						content: {
							role: 'model',
							parts: [
								{text: 'hi', thought: true, thoughtSignature: 'sig', extra: 1},
								{functionCall: {name: 'read', args: {p: 1}, id: 'c1'}},
								{inlineData: {mimeType: 'image/png', data: 'AAAA'}},
							],
						},
						finishReason: 'STOP',
						index: 0,
						unknown: true,
					},
				],
				usageMetadata: {promptTokenCount: 10, candidatesTokenCount: 2, bogus: 'x'},
				modelVersion: 'gemini-2.5-pro',
				responseId: 'r1',
			},
			traceId: 't1',
		});
		const parsed = parseChunk(data);
		assert.deepEqual(parsed, {
			ok: true,
			chunk: {
				response: {
					candidates: [
						{
							content: {
								parts: [
									{text: 'hi', thought: true, thoughtSignature: 'sig'},
									{functionCall: {name: 'read', args: {p: 1}, id: 'c1'}},
									{inlineData: {mimeType: 'image/png', data: 'AAAA'}},
								],
								role: 'model',
							},
							finishReason: 'STOP',
							index: 0,
						},
					],
					usageMetadata: {promptTokenCount: 10, candidatesTokenCount: 2},
					modelVersion: 'gemini-2.5-pro',
					responseId: 'r1',
				},
				traceId: 't1',
			},
		});
	});

	it('accepts a bare GenerateContentResponse', () => {
		const parsed = parseChunk('{"candidates":[{"content":{"parts":[{"text":"x"}]}}]}');
		assert.ok(parsed.ok);
		assert.equal(parsed.chunk.response?.candidates?.[0]?.content?.parts?.[0]?.text, 'x');
	});

	it('accepts snake_case inline data, a missing args and string args', () => {
		const parsed = parseChunk(
			JSON.stringify({
				response: {
					candidates: [
						{
							content: {
								parts: [
									{inline_data: {mime_type: 'image/jpeg', data: 'B'}},
									{functionCall: {name: 'a'}},
									{functionCall: {name: 'b', args: '{"x":1}'}},
								],
							},
						},
					],
				},
			}),
		);
		assert.ok(parsed.ok);
		assert.deepEqual(parsed.chunk.response?.candidates?.[0]?.content?.parts, [
			{inlineData: {mimeType: 'image/jpeg', data: 'B'}},
			{functionCall: {name: 'a', args: {}}},
			{functionCall: {name: 'b', args: {x: 1}}},
		]);
	});

	it('parses promptFeedback', () => {
		const parsed = parseChunk('{"response":{"promptFeedback":{"blockReason":"SAFETY","blockReasonMessage":"no"}}}');
		assert.ok(parsed.ok);
		assert.deepEqual(parsed.chunk.response?.promptFeedback, {blockReason: 'SAFETY', blockReasonMessage: 'no'});
	});

	const rejects: Array<[string, string]> = [
		['not JSON', '{"response":'],
		['an array', '[{"response":{}}]'],
		['a string', '"x"'],
		['response as an array', '{"response":[]}'],
		['candidates as an object', '{"response":{"candidates":{}}}'],
		['a candidate as a string', '{"response":{"candidates":["x"]}}'],
		['content as a string', '{"response":{"candidates":[{"content":"x"}]}}'],
		['parts as an object', '{"response":{"candidates":[{"content":{"parts":{}}}]}}'],
		['a part as a number', '{"response":{"candidates":[{"content":{"parts":[1]}}]}}'],
		['text as a number', '{"response":{"candidates":[{"content":{"parts":[{"text":5}]}}]}}'],
		['a functionCall without name', '{"response":{"candidates":[{"content":{"parts":[{"functionCall":{"args":{}}}]}}]}}'],
		['args as an array', '{"response":{"candidates":[{"content":{"parts":[{"functionCall":{"name":"a","args":[]}}]}}]}}'],
		['inlineData without data', '{"response":{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"x"}}]}}]}}'],
		['usageMetadata as a number', '{"response":{"usageMetadata":3}}'],
	];
	for (const [name, data] of rejects) {
		it(`rejects ${name}`, () => {
			const parsed = parseChunk(data);
			assert.equal(parsed.ok, false);
		});
	}

	it('reports an error object inside the stream as an error', () => {
		const parsed = parseChunk('{"error":{"code":500,"message":"Internal error encountered."}}');
		assert.deepEqual(parsed, {ok: false, error: 'upstream error in stream: Internal error encountered.'});
	});

	it('ignores wrongly typed scalars it does not need', () => {
		const parsed = parseChunk('{"response":{"candidates":[{"finishReason":7,"content":{"parts":[{"text":"a","thought":"yes"}]}}]}}');
		assert.ok(parsed.ok);
		assert.deepEqual(parsed.chunk.response?.candidates, [{content: {parts: [{text: 'a'}]}}]);
	});
});
