// The simulator's Google Search grounding: answers to a googleSearch request carry groundingMetadata on the last chunk,
// with supports in UTF-8 byte offsets that really point at the text; grounding's own request rules.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {GroundingMetadata} from '../../source/cloudcode/types.js';
import {simMarker} from '../../source/simulator/index.js';
import {ACCOUNT, envelope, events, generate, sim, stream, user, visibleText} from './helpers.js';

const SEARCH = {tools: [{googleSearch: {}}]};
type Candidate = {groundingMetadata?: GroundingMetadata; finishReason?: string};
const candidateOf = (chunk: unknown): Candidate | undefined => (chunk as {response?: {candidates?: Candidate[]}}).response?.candidates?.[0];

function checkSupports(text: string, metadata: GroundingMetadata): void {
	const bytes = Buffer.from(text, 'utf8');
	for (const support of metadata.groundingSupports ?? []) {
		const segment = support.segment ?? {};
		assert.equal(bytes.subarray(segment.startIndex ?? 0, segment.endIndex).toString('utf8'), segment.text, 'the byte range is the segment text');
		for (const index of support.groundingChunkIndices ?? []) assert.ok(metadata.groundingChunks?.[index], 'cites an existing source');
	}
}

describe('simulator: Google Search grounding', () => {
	test('streaming: text in pieces, groundingMetadata only on the last chunk, byte offsets that point at the text', async () => {
		const s = await sim();
		const reply = await stream(s, envelope('gemini-2.5-flash', [user('Perform a web search for the query: café ☕ hours')], SEARCH), s.issueAccessToken(ACCOUNT));
		assert.equal(reply.status, 200, reply.text);
		const chunks = events(reply.text);
		assert.ok(chunks.length >= 2);
		assert.ok(chunks.slice(0, -1).every(c => candidateOf(c)?.groundingMetadata === undefined));
		const last = candidateOf(chunks.at(-1));
		assert.equal(last?.finishReason, 'STOP');
		const metadata = last?.groundingMetadata;
		assert.ok(metadata);
		assert.deepEqual(metadata.webSearchQueries, ['café ☕ hours']);
		assert.equal(metadata.groundingChunks?.length, 3);
		for (const chunk of metadata.groundingChunks ?? []) assert.match(chunk.web?.uri ?? '', /^https:\/\/vertexaisearch\.cloud\.google\.com\/grounding-api-redirect\//);
		assert.equal(metadata.groundingSupports?.[0]?.segment?.startIndex, undefined, 'a 0 start is omitted (proto3 JSON)');
		checkSupports(visibleText(reply.text), metadata);
	});

	test('non-streaming carries the metadata on its one candidate; a script sets queries and sources', async () => {
		const s = await sim();
		const sources = [{domain: 'a.example', title: 'Ä page 🍣'}, {domain: 'b.example', title: 'B page', uri: 'https://b.example/page'}];
		const body = envelope('gemini-3-flash', [user(`look ${simMarker({kind: 'grounded', queries: ['one', 'two'], sources})}`)], SEARCH);
		const reply = await generate(s, body, s.issueAccessToken(ACCOUNT));
		assert.equal(reply.status, 200, reply.text);
		const candidate = candidateOf(reply.json);
		const metadata = candidate?.groundingMetadata;
		assert.ok(metadata);
		assert.deepEqual(metadata.webSearchQueries, ['one', 'two']);
		assert.deepEqual(metadata.groundingChunks?.map(c => c.web?.title), ['a.example', 'b.example']);
		assert.equal(metadata.groundingChunks?.[1]?.web?.uri, 'https://b.example/page');
		const text = (reply.json as {response: {candidates: Array<{content: {parts: Array<{text: string}>}}>}}).response.candidates[0]?.content.parts.map(p => p.text).join('') ?? '';
		checkSupports(text, metadata);
	});

	test('the grounded script without googleSearch is an ordinary answer', async () => {
		const s = await sim();
		const reply = await stream(s, envelope('gemini-3-flash', [user(`look ${simMarker({kind: 'grounded'})}`)]), s.issueAccessToken(ACCOUNT));
		assert.equal(reply.status, 200);
		assert.ok(events(reply.text).every(c => candidateOf(c)?.groundingMetadata === undefined));
		assert.match(visibleText(reply.text), /^Hello from gemini-3-flash/);
	});

	test('refused: googleSearch beside function declarations, and on a Claude model; a bad grounded script', async () => {
		const s = await sim();
		const token = s.issueAccessToken(ACCOUNT);
		const mixed = await stream(s, envelope('gemini-3-flash', [user('x')], {tools: [{googleSearch: {}}, {functionDeclarations: [{name: 'f', parameters: {type: 'OBJECT', properties: {a: {type: 'STRING'}}}}]}]}), token);
		assert.equal(mixed.status, 400);
		assert.match(mixed.text, /Multiple tools are supported only when they are all search tools/);
		const claude = await stream(s, envelope('claude-sonnet-4-6', [user('x')], SEARCH), token);
		assert.equal(claude.status, 400);
		assert.match(claude.text, /Google Search grounding is not supported by this model/);
		const bad = await stream(s, envelope('gemini-3-flash', [user(`x ${simMarker({kind: 'grounded', sources: [{domain: 'a'}]} as never)}`)], SEARCH), token);
		assert.match(visibleText(bad.text), /invalid marker: grounded: sources must be an array of \{domain, title, uri\?\}/);
	});
});
