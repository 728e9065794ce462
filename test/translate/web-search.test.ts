// Web search over Google Search grounding, the pure parts: options, model choice, domain rules, the grounded answer as
// Anthropic blocks (byte offsets, overlaps, missing metadata), and the translator's events and assembled message.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Tool} from '../../source/anthropic/types.js';
import type {GroundingMetadata} from '../../source/cloudcode/types.js';
import {assembleMessage} from '../../source/translate/assemble.js';
import {TranslationError} from '../../source/translate/request-error.js';
import {toCloudCodeRequest} from '../../source/translate/request.js';
import {domainAllowed, groundedAnswer, sourceDomain, webSearchModel, webSearchOptions} from '../../source/translate/web-search.js';
import {MESSAGE_ID, blockTypes, chunk, options, text, thought, translate} from './response-fixtures.js';

const tool = (extra: Record<string, unknown> = {}): Tool => ({type: 'web_search_20250305', name: 'web_search', ...extra});
const req = {messages: [{role: 'user' as const, content: [{type: 'text' as const, text: '  find   the answer '}]}]};

describe('webSearchOptions', () => {
	it('reads max_uses and normalises domains to host names', () => {
		assert.deepEqual(webSearchOptions(tool({max_uses: 3, allowed_domains: ['https://Docs.Example.com/path?q', '*.foo.org.']}), 0, req), {
			fallbackQuery: 'find the answer',
			maxUses: 3,
			allowedDomains: ['docs.example.com', 'foo.org'],
		});
		assert.deepEqual(webSearchOptions(tool({allowed_domains: null, blocked_domains: ['x.com']}), 0, req), {fallbackQuery: 'find the answer', blockedDomains: ['x.com']});
	});

	it('refuses what Anthropic refuses, naming the field', () => {
		const cases: Array<[Record<string, unknown>, string, RegExp]> = [
			[{max_uses: 0}, 'tools.2.max_uses', /integer >= 1/],
			[{max_uses: 1.5}, 'tools.2.max_uses', /integer >= 1/],
			[{allowed_domains: 'a.com'}, 'tools.2.allowed_domains', /array of domain names/],
			[{blocked_domains: ['']}, 'tools.2.blocked_domains', /array of domain names/],
			[{allowed_domains: ['a.com'], blocked_domains: ['b.com']}, 'tools.2.allowed_domains', /together with blocked_domains/],
		];
		for (const [extra, field, message] of cases) {
			assert.throws(() => webSearchOptions(tool(extra), 2, req), (error: unknown) => error instanceof TranslationError && error.field === field && message.test(error.message));
		}
	});
});

describe('the web-search request', () => {
	it('is Google Search grounding alone, requestType web_search, whatever tool_choice says', () => {
		const envelope = toCloudCodeRequest(
			{model: 'claude-opus-4-8', max_tokens: 1000, messages: req.messages, tools: [tool({max_uses: 8})], tool_choice: {type: 'tool', name: 'web_search'}, thinking: {type: 'disabled'}},
			{servedModel: 'gemini-2.5-flash', project: 'p', sessionId: '-1', requestId: 'agent-x', toolCallSignature: () => undefined},
		);
		assert.equal(envelope.requestType, 'web_search');
		assert.deepEqual(envelope.request.tools, [{googleSearch: {}}]);
		assert.equal(envelope.request.toolConfig, undefined);
	});
});

describe('webSearchModel', () => {
	const served = new Set(['claude-sonnet-4-6', 'gemini-3-flash', 'gemini-2.5-flash', 'gemini-3.1-flash-image']);
	it('keeps a grounding-capable Gemini model, else the web search model, else any Gemini', () => {
		assert.equal(webSearchModel('gemini-3-flash', served), 'gemini-3-flash');
		assert.equal(webSearchModel('claude-opus-4-6-thinking', served), 'gemini-2.5-flash');
		assert.equal(webSearchModel('gemini-3.1-flash-image', served), 'gemini-2.5-flash', 'image models do not ground');
		assert.equal(webSearchModel('gpt-oss-120b-medium', new Set(['gemini-3-flash'])), 'gemini-3-flash');
		assert.equal(webSearchModel('claude-sonnet-4-6', new Set(['claude-sonnet-4-6', 'gemini-3.1-pro-low'])), 'gemini-3.1-pro-low');
		assert.equal(webSearchModel('claude-sonnet-4-6', new Set()), 'gemini-2.5-flash', 'unknown list: the documented default');
	});
});

describe('source domains', () => {
	it('domain field, else a host-name title (Google puts the domain there), else the URL host', () => {
		assert.equal(sourceDomain({web: {uri: 'https://r.example/x', title: 'Ignored', domain: 'Docs.Python.org'}}), 'docs.python.org');
		assert.equal(sourceDomain({web: {uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/abc', title: 'nodejs.org'}}), 'nodejs.org');
		assert.equal(sourceDomain({web: {uri: 'https://www.example.com/a', title: 'A page title'}}), 'www.example.com');
		assert.equal(sourceDomain({web: {uri: 'not a url', title: 'A page title'}}), undefined);
		assert.equal(sourceDomain({}), undefined);
	});

	it('allowed: the domain or its subdomains only; blocked: everything else; neither: everything', () => {
		assert.equal(domainAllowed('docs.example.com', {allowedDomains: ['example.com']}), true);
		assert.equal(domainAllowed('example.com', {allowedDomains: ['example.com']}), true);
		assert.equal(domainAllowed('notexample.com', {allowedDomains: ['example.com']}), false);
		assert.equal(domainAllowed(undefined, {allowedDomains: ['example.com']}), false);
		assert.equal(domainAllowed('a.example.com', {blockedDomains: ['example.com']}), false);
		assert.equal(domainAllowed('other.com', {blockedDomains: ['example.com']}), true);
		assert.equal(domainAllowed(undefined, {}), true);
	});
});

const META: GroundingMetadata = {
	webSearchQueries: ['q one'],
	groundingChunks: [{web: {uri: 'https://r/0', title: 'a.com'}}, {web: {uri: 'https://r/1', title: 'b.org'}}],
	groundingSupports: [],
};

describe('groundedAnswer', () => {
	it('splits the text at UTF-8 byte offsets (0 start omitted) and cites each segment\'s sources', () => {
		const answer = 'Café ☕ is hot. Sushi 🍣 is cold. Bye.';
		const first = 'Café ☕ is hot.';
		const second = 'Sushi 🍣 is cold.';
		const start2 = Buffer.byteLength(`${first} `);
		const metadata: GroundingMetadata = {
			...META,
			groundingSupports: [
				{segment: {endIndex: Buffer.byteLength(first), text: first}, groundingChunkIndices: [0, 1]},
				{segment: {startIndex: start2, endIndex: start2 + Buffer.byteLength(second), text: second}, groundingChunkIndices: [1]},
			],
		};
		const out = groundedAnswer(answer, metadata, {fallbackQuery: 'x'});
		assert.equal(out.performed, 1);
		assert.deepEqual(out.searches.map(s => s.query), ['q one']);
		assert.deepEqual(out.texts.map(t => [t.text, t.citations.map(c => c.title)]), [
			[first, ['a.com', 'b.org']],
			[' ', []],
			[second, ['b.org']],
			[' Bye.', []],
		]);
		assert.equal(out.texts.map(t => t.text).join(''), answer, 'no text lost or doubled');
		assert.equal(out.texts[2]?.citations[0]?.cited_text, second);
	});

	it('finds a segment by its text when the offsets do not match it, and lets the earlier of two overlapping supports keep the overlap', () => {
		const answer = 'Alpha beta gamma delta.';
		const metadata: GroundingMetadata = {
			...META,
			groundingSupports: [
				{segment: {startIndex: 99, endIndex: 120, text: 'beta gamma'}, groundingChunkIndices: [0]},
				{segment: {startIndex: 11, endIndex: 22}, groundingChunkIndices: [1]},
			],
		};
		const out = groundedAnswer(answer, metadata, {fallbackQuery: 'x'});
		assert.deepEqual(out.texts.map(t => [t.text, t.citations.map(c => c.title)]), [
			['Alpha ', []],
			['beta gamma', ['a.com']],
			[' delta', ['b.org']],
			['.', []],
		]);
	});

	it('sources but no queries: one search for the fallback query; no metadata: no search, the text as it is', () => {
		const noQueries = groundedAnswer('Text.', {groundingChunks: META.groundingChunks}, {fallbackQuery: 'what the user asked'});
		assert.deepEqual(noQueries.searches.map(s => s.query), ['what the user asked']);
		const none = groundedAnswer('Plain answer.', undefined, {fallbackQuery: 'x'});
		assert.deepEqual(none, {searches: [], texts: [{text: 'Plain answer.', citations: []}], performed: 0});
	});

	it('drops filtered sources from results and citations, and a support left without sources', () => {
		const metadata: GroundingMetadata = {...META, groundingSupports: [{segment: {endIndex: 5, text: 'Hello'}, groundingChunkIndices: [1]}]};
		const out = groundedAnswer('Hello world', metadata, {fallbackQuery: 'x', blockedDomains: ['b.org']});
		assert.deepEqual(Array.isArray(out.searches[0]?.content) ? out.searches[0].content.map(r => r.title) : out.searches[0]?.content, ['a.com']);
		assert.deepEqual(out.texts, [{text: 'Hello world', citations: []}]);
	});
});

describe('StreamTranslator in web-search mode', () => {
	const metadata: GroundingMetadata = {
		webSearchQueries: ['weather'],
		groundingChunks: [{web: {uri: 'https://r/0', title: 'met.example'}}],
		groundingSupports: [{segment: {endIndex: 6, text: 'Sunny.'}, groundingChunkIndices: [0]}],
	};
	const grounded = (parts: ReturnType<typeof text>[], meta?: GroundingMetadata) => {
		const last = chunk(parts, {finishReason: 'STOP', usage: {promptTokenCount: 10, candidatesTokenCount: 4}});
		const candidate = last.response?.candidates?.[0];
		if (candidate && meta) candidate.groundingMetadata = meta;
		return last;
	};

	it('holds the text, then emits search, results and cited text; usage counts the search', () => {
		const {events, perPush} = translate(options({webSearch: {fallbackQuery: 'x'}}), [chunk([text('Sun')]), grounded([text('ny. Warm.')], metadata)]);
		assert.deepEqual(perPush.flat(), [], 'nothing before the metadata is known');
		assert.deepEqual(blockTypes(events), ['server_tool_use', 'web_search_tool_result', 'text', 'text']);
		const message = assembleMessage(events);
		assert.deepEqual(message.content[0], {type: 'server_tool_use', id: `srvtoolu_${MESSAGE_ID.slice(4)}_0`, name: 'web_search', input: {query: 'weather'}, caller: {type: 'direct'}});
		const result = message.content[1];
		assert.ok(result?.type === 'web_search_tool_result' && Array.isArray(result.content));
		assert.equal(result.tool_use_id, `srvtoolu_${MESSAGE_ID.slice(4)}_0`);
		assert.deepEqual(result.content.map(r => [r.url, r.title, r.page_age]), [['https://r/0', 'met.example', null]]);
		assert.deepEqual(message.content.slice(2), [
			{type: 'text', text: 'Sunny.', citations: [{type: 'web_search_result_location', url: 'https://r/0', title: 'met.example', cited_text: 'Sunny.', encrypted_index: Buffer.from('{"chunk":0}').toString('base64')}]},
			{type: 'text', text: ' Warm.'},
		]);
		assert.deepEqual(message.usage.server_tool_use, {web_search_requests: 1});
		assert.equal(message.stop_reason, 'end_turn');
	});

	it('thinking streams as usual before the held text; a stop sequence cuts the grounded text', () => {
		const {events} = translate(options({webSearch: {fallbackQuery: 'x'}, stopSequences: ['Warm']}), [chunk([thought('Let me look.')]), grounded([text('Sunny. Warm.')], metadata)]);
		assert.deepEqual(blockTypes(events), ['thinking', 'server_tool_use', 'web_search_tool_result', 'text', 'text']);
		const message = assembleMessage(events);
		assert.equal(message.stop_reason, 'stop_sequence');
		assert.equal(message.stop_sequence, 'Warm');
		assert.deepEqual(message.content.slice(3).map(b => (b.type === 'text' ? b.text : b.type)), ['Sunny.', ' ']);
	});

	it('without grounding metadata: the text alone and zero searches', () => {
		const {events} = translate(options({webSearch: {fallbackQuery: 'x'}}), [grounded([text('I know this.')])]);
		const message = assembleMessage(events);
		assert.deepEqual(message.content, [{type: 'text', text: 'I know this.'}]);
		assert.deepEqual(message.usage.server_tool_use, {web_search_requests: 0});
	});

	it('not in web-search mode: grounding metadata is ignored and usage has no server_tool_use', () => {
		const {events} = translate(options(), [grounded([text('Sunny. Warm.')], metadata)]);
		const message = assembleMessage(events);
		assert.deepEqual(message.content, [{type: 'text', text: 'Sunny. Warm.'}]);
		assert.equal(message.usage.server_tool_use, undefined);
	});
});
