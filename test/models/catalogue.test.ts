// The pure parts of model churn, limits and the client version: the shipped catalogue, retired ids, limit checks, the
// User-Agent and the recognition of Google's refusal.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {CATALOGUE, DEFAULT_MODEL_RULES, parseCatalogue, parseModelRules, retiredMessage, retiredModel} from '../../source/models/catalogue.js';
import {ModelDirectory} from '../../source/models/directory.js';
import {checkRequestLimits, limitsFor, mayExceedWindow} from '../../source/models/limits.js';
import {validateMessagesRequest} from '../../source/anthropic/validate.js';
import {estimateRequestTokens} from '../../source/tokens/estimate.js';
import {ClientRefusedError, refusalChecked} from '../../source/upstream/client.js';
import {DEFAULT_CLIENT_VERSION, antigravityUserAgent, compareVersions, isClientRefusal, isClientVersion, refusalMessage, versionFromUserAgent} from '../../source/upstream/client-version.js';

describe('the shipped catalogue', () => {
	it('is valid data with limits for every model and no retired id among the served ones', () => {
		const raw = JSON.parse(readFileSync(new URL('../../source/models/catalogue.json', import.meta.url), 'utf8')) as unknown;
		const parsed = parseCatalogue(raw);
		assert.ok(parsed.models.length >= 5);
		for (const model of parsed.models) assert.ok(model.limits && model.limits.contextWindow > 0 && model.limits.maxOutputTokens > 0, model.id);
		assert.ok(parsed.models.some(m => m.id === 'gemini-pro-agent'), 'the renamed 3.1 Pro High is served');
		assert.ok(parsed.retired.some(r => r.id === 'claude-sonnet-4-6-thinking'));
		assert.equal(CATALOGUE.rules, DEFAULT_MODEL_RULES);
	});

	it('names the bad field of a broken document', () => {
		const good = {models: [{id: 'a', displayName: 'A', createdAt: '2026-01-01T00:00:00Z', contextWindow: 10, maxOutputTokens: 5}], retired: [], rules: [], familyLimits: {claude: {contextWindow: 1, maxOutputTokens: 1}, gemini: {contextWindow: 1, maxOutputTokens: 1}}};
		assert.equal(parseCatalogue(good).models[0]?.limits?.contextWindow, 10);
		assert.throws(() => parseCatalogue({...good, models: [{...good.models[0], maxOutputTokens: 0}]}), /models\[0\]\.maxOutputTokens must be a positive integer/);
		assert.throws(() => parseCatalogue({...good, models: [{...good.models[0], createdAt: 'soon'}]}), /createdAt must be an RFC 3339 date/);
		assert.throws(() => parseCatalogue({...good, retired: [{id: 'a', replacements: [], note: 'x'}]}), /retired a must be absent from models/);
		assert.throws(() => parseCatalogue({...good, rules: [{pattern: 'x'}]}), /rules\[0\]\.target/);
		assert.throws(() => parseCatalogue([]), /the document must be an object/);
	});
});

describe('retired model ids', () => {
	const served = new Set(['claude-sonnet-4-6', 'claude-opus-4-6-thinking', 'gemini-pro-agent']);

	it('catches a retired id before the default rules would map it', () => {
		const entry = retiredModel('claude-sonnet-4-6-thinking', DEFAULT_MODEL_RULES, served);
		assert.equal(entry?.id, 'claude-sonnet-4-6-thinking');
		const message = retiredMessage(entry!, served);
		assert.match(message, /claude-sonnet-4-6-thinking is no longer served/);
		assert.match(message, /use claude-sonnet-4-6 or claude-opus-4-6-thinking instead/);
		assert.match(retiredMessage(retiredModel('gemini-3-pro-high', DEFAULT_MODEL_RULES, served)!, served), /use gemini-pro-agent instead/, 'only replacements that are served, when any is');
	});

	it('lets Claude Code names, a still-offered id and the operator’s own rule through', () => {
		assert.equal(retiredModel('claude-sonnet-4-5-20250929', DEFAULT_MODEL_RULES, served), undefined);
		assert.equal(retiredModel('claude-opus-4-8', DEFAULT_MODEL_RULES, served), undefined);
		assert.equal(retiredModel('gemini-3-pro-high', DEFAULT_MODEL_RULES, new Set(['gemini-3-pro-high'])), undefined);
		const own = [...parseModelRules('gemini-3-pro-*=gemini-pro-agent'), ...DEFAULT_MODEL_RULES];
		assert.equal(retiredModel('gemini-3-pro-high', own, served), undefined);
	});
});

describe('context window and output limits', () => {
	const claude = {contextWindow: 200_000, maxOutputTokens: 64_000};

	it('knows the limits of catalogue models, upstream reports and families', () => {
		assert.deepEqual(limitsFor('claude-sonnet-4-6'), claude);
		assert.deepEqual(limitsFor('gemini-3-flash'), {contextWindow: 1_048_576, maxOutputTokens: 65_535});
		assert.deepEqual(limitsFor('claude-new-9'), claude, 'family fallback');
		assert.deepEqual(limitsFor('gemini-3-flash', {maxOutputTokens: 8192}), {contextWindow: 1_048_576, maxOutputTokens: 8192});
		assert.equal(limitsFor('gpt-oss-120b-medium'), undefined);
		const directory = new ModelDirectory();
		directory.setModels([{id: 'gemini-3-flash', displayName: 'F', maxTokens: 500_000, maxOutputTokens: 30_000, accounts: 2}, {id: 'x-model', displayName: 'X'}]);
		assert.deepEqual(directory.limits('gemini-3-flash'), {contextWindow: 500_000, maxOutputTokens: 30_000});
		assert.equal(directory.list()[0]?.accounts, 2);
		assert.equal(directory.list()[1]?.limits, undefined);
	});

	it("answers Anthropic's messages, and clamps max_tokens only for a model agproxy chose", () => {
		const base = {servedModel: 'claude-sonnet-4-6', askedDirectly: true, promptTokens: 1000, maxTokens: 64_000, limits: claude};
		assert.deepEqual(checkRequestLimits(base), {ok: true, maxTokens: 64_000}, "Claude Code's own max_tokens passes");
		assert.deepEqual(checkRequestLimits({...base, promptTokens: 200_001}), {ok: false, limit: 'prompt', message: 'prompt is too long: 200001 tokens > 200000 maximum'});
		assert.deepEqual(checkRequestLimits({...base, maxTokens: 200_000}), {
			ok: false,
			limit: 'max_tokens',
			message: 'max_tokens: 200000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-6',
		});
		assert.deepEqual(checkRequestLimits({...base, maxTokens: 200_000, askedDirectly: false}), {ok: true, maxTokens: 64_000});
		assert.deepEqual(checkRequestLimits({...base, limits: undefined, promptTokens: 10_000_000}), {ok: true, maxTokens: 64_000});
	});
});

describe('client version', () => {
	it('builds and reads Antigravity User-Agents', () => {
		assert.equal(antigravityUserAgent('2.9.1', 'linux', 'x64'), 'antigravity/2.9.1 linux/amd64');
		assert.equal(antigravityUserAgent('2.9.1', 'win32', 'arm64'), 'antigravity/2.9.1 windows/arm64');
		assert.equal(versionFromUserAgent('antigravity/1.11.5 windows/amd64'), '1.11.5');
		assert.equal(versionFromUserAgent('antigravity/hub/2.9.1 darwin/arm64'), '2.9.1');
		assert.equal(versionFromUserAgent('GeminiCLI/0.56.0/gemini-2.5-pro (linux; x64; terminal)'), undefined);
		assert.equal(versionFromUserAgent(undefined), undefined);
		assert.ok(isClientVersion(DEFAULT_CLIENT_VERSION));
		assert.ok(!isClientVersion('latest') && !isClientVersion('2') && !isClientVersion('2.9.1 x'));
		assert.ok(compareVersions('2.9.1', '2.10.0') < 0 && compareVersions('3.0', '3.0.0') === 0 && compareVersions('1.20.0', '1.3.9') > 0);
	});

	it("recognises Google's refusal and says what to change", () => {
		assert.ok(isClientRefusal('This version of Antigravity is no longer supported. Please update to receive the latest features!'));
		assert.ok(isClientRefusal('Your current version of Antigravity is out of date. Please visit https://antigravity.google/download'));
		assert.ok(!isClientRefusal('Hello! How can I help?'));
		const message = refusalMessage('1.11.5', 'This version of Antigravity is no longer supported.');
		assert.match(message, /^Google refuses client version 1\.11\.5/);
		assert.match(message, /agproxy settings set clientVersion <version>/);
		assert.match(message, /agproxy accounts set-client <email> <version>/);
	});
});

describe('clientVersion configuration', () => {
	it('comes from AGPROXY_CLIENT_VERSION, else the setting, else the default; a bad value is a ConfigError', async () => {
		const {ConfigError, loadConfig} = await import('../../source/config.js');
		assert.equal(loadConfig({}, {}).clientVersion, DEFAULT_CLIENT_VERSION);
		assert.equal(loadConfig({}, {}, {clientVersion: '3.0.0'}).clientVersion, '3.0.0');
		assert.equal(loadConfig({}, {AGPROXY_CLIENT_VERSION: '3.1.4'}, {clientVersion: '3.0.0'}).clientVersion, '3.1.4');
		assert.throws(() => loadConfig({}, {AGPROXY_CLIENT_VERSION: 'latest'}), ConfigError);
	});
});

describe('the cheap bound before the token estimate', () => {
	const tools = JSON.parse(readFileSync(new URL('../fixtures/claude-code/tools.json', import.meta.url), 'utf8')) as unknown;
	const request = (content: unknown) =>
		validateMessagesRequest({model: 'claude-sonnet-4-6', max_tokens: 10, system: 'You are terse.\n\n\t  {}[]!!', tools: Array.isArray(tools) ? tools : (tools as {tools: unknown}).tools, messages: [{role: 'user', content}]});

	it('never says "fits" when the estimate is above the window (text, code, digits, non-Latin, whitespace)', () => {
		for (const text of ['hello world', 'x'.repeat(50_000), '1234567890 '.repeat(5_000), '日本語のテキスト'.repeat(3_000), ' \n\n\t '.repeat(10_000), '{"a":[1,2,3]};;'.repeat(4_000)]) {
			const req = request(text);
			const estimate = estimateRequestTokens(req);
			for (const window of [1_000, 10_000, estimate - 1, estimate]) {
				if (estimate > window) assert.ok(mayExceedWindow(req, window), `${text.slice(0, 12)}: estimate ${estimate} > ${window}`);
			}
		}
	});

	it('skips the estimate for an ordinary request and always counts one with images or documents', () => {
		assert.equal(mayExceedWindow(request('hi'), 200_000), false);
		assert.equal(mayExceedWindow(request('hi'), 1_000), true);
		const image = request([{type: 'image', source: {type: 'url', url: 'https://example.com/a.png'}}, {type: 'text', text: 'what is it?'}]);
		assert.equal(mayExceedWindow(image, 200_000), true);
	});
});

describe('the refusal inside a 200 stream', () => {
	async function collect(parts: string[]): Promise<string> {
		async function* body(): AsyncGenerator<Uint8Array> {
			for (const part of parts) yield new TextEncoder().encode(part);
		}
		let text = '';
		for await (const chunk of refusalChecked(body(), '1.0.0')) text += new TextDecoder().decode(chunk);
		return text;
	}
	const event = (text: string): string => `data: ${JSON.stringify({response: {candidates: [{content: {role: 'model', parts: [{text}]}, finishReason: 'STOP'}]}})}\r\n\r\n`;

	it('throws on a refusal even when its event arrives in pieces, and passes an ordinary answer through unchanged', async () => {
		const refusal = event('This version of Antigravity is no longer supported. Please update to receive the latest features!');
		await assert.rejects(collect([refusal.slice(0, 20), refusal.slice(20, 90), refusal.slice(90)]), (error: unknown) => {
			assert.ok(error instanceof ClientRefusedError);
			assert.equal(error.upstream.kind, 'client_outdated');
			assert.equal(error.upstream.clientVersion, '1.0.0');
			return true;
		});
		const ordinary = event('Hello') + event('This version of Antigravity is no longer supported.');
		assert.equal(await collect([ordinary.slice(0, 7), ordinary.slice(7)]), ordinary, 'only the first event is judged');
	});
});
