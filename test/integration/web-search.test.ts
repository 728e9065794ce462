// Anthropic's web search server tool through agproxy, over real sockets with the official SDK: Google Search grounding
// upstream (the simulator answers with groundingMetadata on its last chunk, like the service), Anthropic's
// server_tool_use / web_search_tool_result / cited text blocks back, streaming and not, usage.server_tool_use, and the
// tool's options (max_uses, allowed_domains, blocked_domains) enforced on the answer since the wire has no knob for them.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {type SimScript, simMarker} from '../../source/simulator/index.js';
import {useStack} from '../helpers/stack.js';

const stack = useStack();

type WebSearchTool = Anthropic.WebSearchTool20250305;
const webSearch = (options: Partial<WebSearchTool> = {}): WebSearchTool => ({type: 'web_search_20250305', name: 'web_search', ...options});

/** What Claude Code's WebSearch tool sends: the server tool alone, forced, thinking off. */
function params(text: string, options: {tool?: Partial<WebSearchTool>; model?: string; script?: SimScript} = {}): Anthropic.MessageCreateParamsNonStreaming {
	return {
		model: options.model ?? 'claude-opus-4-8',
		max_tokens: 4000,
		messages: [{role: 'user', content: options.script ? `${text} ${simMarker(options.script)}` : text}],
		tools: [webSearch({max_uses: 8, ...options.tool})],
		tool_choice: {type: 'tool', name: 'web_search'},
		thinking: {type: 'disabled'},
	};
}

type Upstream = {model: string; requestType: string; request: {tools?: unknown; toolConfig?: unknown; contents: unknown[]}};
function upstream(): Upstream[] {
	return stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent' && r.status === 200).map(r => r.body as Upstream);
}

const byType = <T extends Anthropic.ContentBlock['type']>(message: Anthropic.Message, type: T): Array<Extract<Anthropic.ContentBlock, {type: T}>> =>
	message.content.filter((b): b is Extract<Anthropic.ContentBlock, {type: T}> => b.type === type);

/** The titles of a message's web search citations, in order. */
const citedTitles = (message: Anthropic.Message): Array<string | null> =>
	byType(message, 'text').flatMap(b => (b.citations ?? []).flatMap(c => (c.type === 'web_search_result_location' ? [c.title] : [])));

const textOf = (message: Anthropic.Message): string => byType(message, 'text').map(b => b.text).join('');

describe('web search through Google Search grounding', () => {
	it('non-streaming: a search, its sources and cited text, counted in usage; served by a Gemini model with googleSearch', async () => {
		const message = await stack.client.messages.create(params('Perform a web search for the query: node 24 release notes'));
		assert.equal(message.model, 'claude-opus-4-8', 'the name the client asked for');
		assert.equal(message.stop_reason, 'end_turn');
		assert.deepEqual(message.content.slice(0, 2).map(b => b.type), ['server_tool_use', 'web_search_tool_result']);
		const [use] = byType(message, 'server_tool_use');
		assert.ok(use);
		assert.match(use.id, /^srvtoolu_\w+$/);
		assert.equal(use.name, 'web_search');
		assert.deepEqual(use.input, {query: 'node 24 release notes'}, 'the query the upstream model searched for');
		assert.deepEqual(use.caller, {type: 'direct'});
		const [result] = byType(message, 'web_search_tool_result');
		assert.ok(result && Array.isArray(result.content));
		assert.equal(result.tool_use_id, use.id);
		const sources = result.content;
		assert.deepEqual(sources.map(r => r.title), ['en.wikipedia.org', 'docs.example.org', 'news.example.com']);
		for (const item of sources) {
			assert.equal(item.type, 'web_search_result');
			assert.match(item.url, /^https:\/\/vertexaisearch\.cloud\.google\.com\/grounding-api-redirect\/[\w-]+$/);
			assert.ok(item.encrypted_content.length > 0);
			assert.equal(item.page_age, null);
		}
		// Three grounded sentences, each citing its own source, plus an uncited closing line.
		const cited = byType(message, 'text').filter(b => (b.citations ?? []).length > 0);
		assert.equal(cited.length, 3);
		cited.forEach((block, i) => {
			const citation = block.citations?.[0];
			assert.ok(citation?.type === 'web_search_result_location');
			assert.equal(citation.url, sources[i]?.url);
			assert.equal(citation.title, sources[i]?.title);
			assert.equal(citation.cited_text, block.text.trim());
			assert.ok(citation.encrypted_index.length > 0);
			assert.match(block.text, new RegExp(`\\(${sources[i]?.title.replaceAll('.', '\\.')}\\)`));
		});
		assert.match(textOf(message), / That is what the search found\.$/);
		assert.deepEqual(message.usage.server_tool_use, {web_search_requests: 1});
		const [call] = upstream();
		assert.ok(call);
		assert.equal(call.model, 'gemini-2.5-flash', 'a Claude model cannot ground: the web search model serves it');
		assert.equal(call.requestType, 'web_search');
		assert.deepEqual(call.request.tools, [{googleSearch: {}}]);
		assert.equal(call.request.toolConfig, undefined);
	});

	it('streaming: the SDK assembles the same blocks (server_tool_use input from input_json_delta, citations from citations_delta)', async () => {
		const request = params('Perform a web search for the query: node 24 release notes');
		const whole = await stack.client.messages.create(request);
		const stream = stack.client.messages.stream(request);
		const deltas: string[] = [];
		stream.on('streamEvent', event => {
			if (event.type === 'content_block_delta') deltas.push(event.delta.type);
		});
		const streamed = await stream.finalMessage();
		const shape = (m: Anthropic.Message): unknown =>
			m.content.map(b => {
				if (b.type === 'server_tool_use') return {type: b.type, name: b.name, input: b.input};
				if (b.type === 'web_search_tool_result') return {type: b.type, content: b.content};
				if (b.type === 'text') return {type: b.type, text: b.text, citations: b.citations ?? []};
				return b;
			});
		assert.deepEqual(shape(streamed), shape(whole));
		assert.deepEqual(streamed.usage.server_tool_use, {web_search_requests: 1});
		assert.ok(deltas.includes('citations_delta') && deltas.includes('input_json_delta') && deltas.includes('text_delta'));
	});

	it('a Gemini model asked for by name grounds the search itself', async () => {
		const message = await stack.client.messages.create(params('search for tide tables', {model: 'gemini-3-flash'}));
		assert.equal(byType(message, 'server_tool_use').length, 1);
		assert.equal(upstream()[0]?.model, 'gemini-3-flash');
	});

	it('byte offsets: citations land on the right text when the answer has multi-byte characters', async () => {
		const sources = [
			{domain: 'cafe.example.fr', title: 'Café ☕ crème — guide'},
			{domain: 'emoji.example.jp', title: '日本の 🍣 ガイド'},
		];
		const message = await stack.client.messages.create(params('coffee and sushi', {script: {kind: 'grounded', queries: ['café sushi'], sources}}));
		const cited = byType(message, 'text').filter(b => (b.citations ?? []).length > 0);
		assert.equal(cited.length, 2);
		assert.match(cited[0]?.text ?? '', /^According to Café ☕ crème — guide \(cafe\.example\.fr\), café sushi is covered in detail\.$/);
		assert.match(cited[1]?.text ?? '', /^ ?According to 日本の 🍣 ガイド \(emoji\.example\.jp\)/);
		assert.equal(textOf(message), byType(message, 'text').map(b => b.text).join(''));
	});

	it('max_uses: searches past it are reported as max_uses_exceeded and not counted', async () => {
		const script: SimScript = {kind: 'grounded', queries: ['first query', 'second query', 'third query']};
		const message = await stack.client.messages.create(params('three searches', {tool: {max_uses: 2}, script}));
		assert.deepEqual(byType(message, 'server_tool_use').map(b => b.input), [{query: 'first query'}, {query: 'second query'}, {query: 'third query'}]);
		const results = byType(message, 'web_search_tool_result');
		assert.equal(results.length, 3);
		assert.ok(Array.isArray(results[0]?.content) && results[0].content.length === 3);
		assert.deepEqual(results[2]?.content, {type: 'web_search_tool_result_error', error_code: 'max_uses_exceeded'});
		assert.deepEqual(message.usage.server_tool_use, {web_search_requests: 2});
	});

	it('allowed_domains: only sources from those domains (subdomains included) are results and citations', async () => {
		const message = await stack.client.messages.create(params('search', {tool: {allowed_domains: ['example.org', 'https://Wikipedia.org/wiki']}}));
		const [result] = byType(message, 'web_search_tool_result');
		assert.ok(result && Array.isArray(result.content));
		assert.deepEqual(result.content.map(r => r.title), ['en.wikipedia.org', 'docs.example.org']);
		assert.deepEqual(citedTitles(message), ['en.wikipedia.org', 'docs.example.org']);
		assert.match(textOf(message), /news\.example\.com/, 'the text the model wrote is kept, uncited');
	});

	it('blocked_domains: those sources are left out', async () => {
		const message = await stack.client.messages.create(params('search', {tool: {blocked_domains: ['wikipedia.org']}}));
		const [result] = byType(message, 'web_search_tool_result');
		assert.ok(result && Array.isArray(result.content));
		assert.deepEqual(result.content.map(r => r.title), ['docs.example.org', 'news.example.com']);
		assert.deepEqual(citedTitles(message), ['docs.example.org', 'news.example.com']);
	});

	it('an answer without a search: just the text, zero searches', async () => {
		const message = await stack.client.messages.create(params('no need', {script: {kind: 'text', text: 'I can answer that without searching.'}}));
		assert.deepEqual(message.content.map(b => b.type), ['text']);
		assert.equal(textOf(message), 'I can answer that without searching.');
		assert.deepEqual(message.usage.server_tool_use, {web_search_requests: 0});
	});

	it('the answer sent back as history: the next turn (another model, no tools) gets the search and its sources as model text', async () => {
		const first = await stack.client.messages.create(params('Perform a web search for the query: tide tables'));
		const followUp = await stack.client.messages.create({
			model: 'claude-sonnet-4-6',
			max_tokens: 200,
			messages: [
				{role: 'user', content: 'Perform a web search for the query: tide tables'},
				{role: 'assistant', content: first.content},
				{role: 'user', content: 'Which source was first?'},
			],
		});
		assert.equal(followUp.stop_reason, 'end_turn');
		const last = stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent' && r.status === 200).at(-1)?.body as {model: string; request: {contents: Array<{role: string; parts: Array<{text?: string}>}>}};
		assert.equal(last.model, 'claude-sonnet-4-6');
		const modelText = last.request.contents.filter(c => c.role === 'model').flatMap(c => c.parts.map(p => p.text ?? '')).join('|');
		assert.match(modelText, /^\[web_search: "tide tables"\]\|\[web search results:\n- en\.wikipedia\.org <https:\/\/vertexaisearch\.cloud\.google\.com\/grounding-api-redirect\/[\w-]+>\n/);
		assert.match(modelText, /According to tide tables - Wikipedia/, 'and the answer text itself');
		// Only assistants hold server tool blocks, as with Anthropic.
		await assert.rejects(
			stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{role: 'user', content: [first.content[0] as Anthropic.ServerToolUseBlockParam]}]}),
			(error: unknown) => error instanceof Anthropic.BadRequestError && /messages\.0\.content\.0: server_tool_use blocks are only allowed in assistant messages/.test(error.message),
		);
	});

	it('refuses what Anthropic refuses: allowed and blocked domains together, a bad max_uses, web search beside custom tools', async () => {
		const cases: Array<[Anthropic.MessageCreateParamsNonStreaming, RegExp]> = [
			[params('x', {tool: {allowed_domains: ['a.com'], blocked_domains: ['b.com']}}), /tools\.0\.allowed_domains: cannot be used together with blocked_domains/],
			[params('x', {tool: {max_uses: 0}}), /tools\.0\.max_uses: must be an integer >= 1/],
			[{...params('x'), tools: [{name: 'Read', input_schema: {type: 'object'}}, webSearch()], tool_choice: {type: 'auto'}}, /cannot be combined with function declarations/],
		];
		for (const [request, message] of cases) {
			await assert.rejects(stack.client.messages.create(request), (error: unknown) => {
				assert.ok(error instanceof Anthropic.BadRequestError, String(error));
				assert.equal((error.error as {error: {type: string}}).error.type, 'invalid_request_error');
				assert.match(error.message, message);
				return true;
			});
		}
		assert.equal(upstream().length, 0, 'nothing went upstream');
	});
});
