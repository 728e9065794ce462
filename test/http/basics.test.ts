// The HTTP surface that needs no upstream: probes, health, models, count_tokens, 404s and bad input, over a real socket.
import assert from 'node:assert/strict';
import {connect} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {type App, startApp} from '../../source/app.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import {loadConfig} from '../../source/config.js';
import {pngBase64} from '../helpers/images.js';

let app: App;
before(async () => {
	const config = loadConfig({port: 0, upstream: 'http://127.0.0.1:9'}, {AGPROXY_BODY_LIMIT_BYTES: '65536'});
	app = await startApp(config, {dataStore: new MemoryDataStore()});
});
after(() => app.stop());

async function call(path: string, init: RequestInit = {}): Promise<{status: number; headers: Headers; json: unknown; text: string}> {
	const response = await fetch(`${app.url}${path}`, init);
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return {status: response.status, headers: response.headers, json, text};
}

function post(path: string, body: unknown): Promise<{status: number; headers: Headers; json: unknown; text: string}> {
	return call(path, {method: 'POST', headers: {'content-type': 'application/json'}, body: typeof body === 'string' ? body : JSON.stringify(body)});
}

function errorOf(json: unknown): {type: string; message: string} {
	const body = json as {type: string; error: {type: string; message: string}};
	assert.equal(body.type, 'error');
	return body.error;
}

describe('HTTP basics', () => {
	it('answers the probes Claude Code sends (HEAD / and GET /) with 200 and a request-id', async () => {
		const head = await call('/', {method: 'HEAD'});
		assert.equal(head.status, 200);
		assert.match(head.headers.get('request-id') ?? '', /^req_[0-9a-f]{24}$/);
		assert.equal((await call('/')).status, 200);
	});

	it('reports health with version, uptime and accounts', async () => {
		const health = await call('/health');
		assert.equal(health.status, 200);
		const body = health.json as {status: string; version: string; uptime_s: number; accounts: {total: number}};
		assert.equal(body.status, 'ok');
		assert.match(body.version, /^\d+\.\d+\.\d+/);
		assert.equal(body.accounts.total, 0);
	});

	it('lists models in the Anthropic shape, with paging', async () => {
		const list = await call('/v1/models');
		const body = list.json as {data: Array<{type: string; id: string; display_name: string; created_at: string}>; has_more: boolean; first_id: string; last_id: string};
		assert.ok(body.data.length >= 3);
		for (const model of body.data) {
			assert.equal(model.type, 'model');
			assert.ok(model.id && model.display_name && !Number.isNaN(Date.parse(model.created_at)));
		}
		assert.equal(body.first_id, body.data[0]?.id);
		assert.equal(body.last_id, body.data.at(-1)?.id);
		const page = (await call('/v1/models?limit=2')).json as typeof body;
		assert.equal(page.data.length, 2);
		assert.equal(page.has_more, true);
		const next = (await call(`/v1/models?limit=2&after_id=${page.last_id}`)).json as typeof body;
		assert.equal(next.data[0]?.id, body.data[2]?.id);
		const one = await call(`/v1/models/${body.data[0]?.id}`);
		assert.equal((one.json as {id: string}).id, body.data[0]?.id);
	});

	it('answers HTTP that Node cannot parse with a 400 in Anthropic shape, then closes', async () => {
		const raw = async (bytes: string): Promise<string> => {
			const socket = connect(Number(new URL(app.url).port), '127.0.0.1');
			let text = '';
			socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
			socket.write(bytes);
			await new Promise(resolve => socket.on('close', resolve));
			return text;
		};
		for (const bytes of ['NOT HTTP AT ALL\r\n\r\n', `GET / HTTP/1.1\r\nhost: x\r\nbad header line\r\n\r\n`]) {
			const answer = await raw(bytes);
			assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
			assert.match(answer, /\r\nrequest-id: req_[0-9a-f]{24}\r\n/);
			const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {error: {type: string}};
			assert.equal(body.error.type, 'invalid_request_error');
		}
		assert.equal((await call('/health')).status, 200);
	});

	it('answers unknown paths and methods with a 404 in Anthropic shape', async () => {
		for (const [method, path] of [['GET', '/v2/nothing'], ['GET', '/v1/messages'], ['DELETE', '/health'], ['GET', '/v1/models/no-such-model']] as const) {
			const response = await call(path, {method});
			assert.equal(response.status, 404, `${method} ${path}`);
			assert.equal(errorOf(response.json).type, 'not_found_error');
			assert.ok(response.headers.get('request-id'));
		}
	});

	it('counts tokens locally, without an upstream', async () => {
		const small = await post('/v1/messages/count_tokens', {model: 'claude-sonnet-4-6', messages: [{role: 'user', content: 'hello there'}]});
		assert.equal(small.status, 200);
		const count = (small.json as {input_tokens: number}).input_tokens;
		assert.ok(count > 0 && count < 20, `got ${count}`);
		const big = await post('/v1/messages/count_tokens', {
			model: 'claude-sonnet-4-6',
			system: 'You are terse.',
			messages: [{role: 'user', content: [{type: 'text', text: 'hello there'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: pngBase64(100, 100)}}]}],
			tools: [{name: 'Bash', input_schema: {type: 'object', properties: {command: {type: 'string'}}}}],
		});
		assert.ok((big.json as {input_tokens: number}).input_tokens > count + 13);
	});

	it('turns bad input into a 400 naming the problem, and oversize bodies into 413', async () => {
		const cases: Array<[unknown, RegExp]> = [
			['{"model": ', /not valid JSON/],
			['', /empty/],
			['[1,2]', /^body: expected an object/],
			[{messages: [{role: 'user', content: 'x'}], max_tokens: 5}, /^model: field required/],
			[{model: 'm', messages: [{role: 'user', content: 'x'}]}, /^max_tokens: field required/],
			[{model: 'm', max_tokens: 5, messages: [{role: 'user', content: [{type: 'hologram'}]}]}, /^messages\.0\.content\.0\.type/],
		];
		for (const [body, pattern] of cases) {
			const response = await post('/v1/messages', body);
			assert.equal(response.status, 400, String(body));
			assert.equal(response.headers.get('x-should-retry'), 'false', 'clients are told not to retry what cannot change');
			const error = errorOf(response.json);
			assert.equal(error.type, 'invalid_request_error');
			assert.match(error.message, pattern);
		}
		const invalidUtf8 = await fetch(`${app.url}/v1/messages`, {method: 'POST', headers: {'content-type': 'application/json'}, body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])});
		assert.equal(invalidUtf8.status, 400);
		assert.match(errorOf(await invalidUtf8.json()).message, /UTF-8/);
		const huge = await post('/v1/messages', {model: 'm', max_tokens: 5, messages: [{role: 'user', content: 'x'.repeat(70_000)}]});
		assert.equal(huge.status, 413);
		assert.equal(errorOf(huge.json).type, 'request_too_large');
		assert.equal((await call('/health')).status, 200, 'the server stays healthy');
	});

	it('says clearly when no Google account is configured', async () => {
		const response = await post('/v1/messages', {model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{role: 'user', content: 'x'}]});
		assert.equal(response.status, 503);
		assert.match(errorOf(response.json).message, /agproxy accounts add/);
	});
});
