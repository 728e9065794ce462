// Bounded work for hostile bodies: element caps (400 naming the cap), the JSON value cap enforced while the body arrives
// (nothing parsed, the rest never read), and a server that keeps answering others while such bodies come in.
import assert from 'node:assert/strict';
import {request} from 'node:http';
import {after, before, describe, it} from 'node:test';
import {LIMITS} from '../../source/anthropic/validate.js';
import {JsonValueCounter, MAX_JSON_VALUES, TurnQueue} from '../../source/http/body.js';
import {type Stack, startStack} from '../helpers/stack.js';

type Answer = {status: number; headers: Record<string, string | string[] | undefined>; text: string};

/** POSTs a body; resolves with the answer even when the server stops reading the body and closes (EPIPE on our side). */
function post(url: string, path: string, body: string | Buffer): Promise<Answer> {
	const {hostname, port} = new URL(url);
	return new Promise((resolve, reject) => {
		let answer: Answer | undefined;
		const req = request({host: hostname, port, path, method: 'POST', headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}}, res => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (chunk: string) => (text += chunk));
			res.on('end', () => {
				answer = {status: res.statusCode ?? 0, headers: res.headers, text};
				resolve(answer);
			});
			res.on('error', () => answer === undefined && reject(new Error('response cut off')));
		});
		req.on('error', error => {
			// The server answered and closed while we were still sending: the answer (if complete) is what counts.
			if (answer === undefined) setTimeout(() => (answer ? resolve(answer) : reject(error)), 500);
		});
		req.end(body);
	});
}

function assertCapped(answer: Answer, pattern: RegExp, label: string): void {
	assert.equal(answer.status, 400, `${label}: ${answer.text.slice(0, 300)}`);
	const body = JSON.parse(answer.text) as {type: string; error: {type: string; message: string}};
	assert.equal(body.error.type, 'invalid_request_error', label);
	assert.match(body.error.message, pattern, label);
}

const HEAD = '{"model":"claude-sonnet-4-6","max_tokens":50,';
const repeat = (item: string, count: number): string => Array.from({length: count}, () => item).join(',');

describe('JsonValueCounter', () => {
	const sample = JSON.stringify({
		model: 'm',
		messages: [{role: 'user', content: [{type: 'text', text: 'braces {[,]} and "quotes" and \\ backslashes \\" inside strings'}]}],
		tools: [{name: 't', input_schema: {type: 'object', properties: {a: {enum: [1, 2, 3]}}}}],
		empty: [[], {}],
	});
	const once = new JsonValueCounter().feed(Buffer.from(sample));

	it('counts objects, arrays and commas outside strings only', () => {
		assert.equal(new JsonValueCounter().feed(Buffer.from('{"a":"{[,,,]}","b":[1,2,3]}')), 1 + 1 + 1 + 2);
		assert.equal(new JsonValueCounter().feed(Buffer.from('["\\"{,", "\\\\", {}]')), 1 + 2 + 1);
		assert.equal(once, (sample.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/[{[,]/g) ?? []).length);
	});

	it('gives the same count however the body is split into chunks', () => {
		const bytes = Buffer.from(sample);
		for (let size = 1; size <= 17; size++) {
			const counter = new JsonValueCounter();
			let count = 0;
			for (let i = 0; i < bytes.length; i += size) count = counter.feed(bytes.subarray(i, i + size));
			assert.equal(count, once, `chunks of ${size}`);
		}
		// An escape split exactly between two chunks: the backslash at the end escapes the next chunk's first byte.
		const counter = new JsonValueCounter();
		counter.feed(Buffer.from('["a\\'));
		assert.equal(counter.feed(Buffer.from('\\",{}]')), 3);
		const quoted = new JsonValueCounter();
		quoted.feed(Buffer.from('["a\\'));
		assert.equal(quoted.feed(Buffer.from('",{}]')), 1, 'an escaped quote does not end the string');
	});
});

describe('TurnQueue (one body parsed per event-loop turn)', () => {
	const busy = (ms: number): void => {
		const end = Date.now() + ms;
		while (Date.now() < end);
	};

	it('runs work in arrival order, one per turn: a timer due meanwhile runs between two items', async () => {
		const queue = new TurnQueue();
		const order: string[] = [];
		const results = await Promise.all([
			queue.run(() => {
				setTimeout(() => order.push('timer'), 0);
				busy(20);
				order.push('first');
				return 1;
			}),
			queue.run(() => {
				order.push('second');
				return 2;
			}),
			queue.run(() => {
				order.push('third');
				return 3;
			}),
		]);
		assert.deepEqual(results, [1, 2, 3]);
		assert.deepEqual(order, ['first', 'timer', 'second', 'third']);
	});

	it('a failing item rejects its own promise only; the queue goes on', async () => {
		const queue = new TurnQueue();
		const failing = queue.run(() => {
			throw new Error('bad body');
		});
		const next = queue.run(() => 'next');
		await assert.rejects(failing, /bad body/);
		assert.equal(await next, 'next');
	});
});

describe('element caps', () => {
	let stack: Stack;
	before(async () => {
		stack = await startStack();
	});
	after(() => stack.close());
	const generateCalls = (): number => stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent' || r.rpc === 'generateContent').length;

	const cases: Array<[string, () => string, RegExp]> = [
		['messages', () => `${HEAD}"messages":[${repeat('{"role":"user","content":"a"}', LIMITS.messages + 1)}]}`, /^messages: 20001 messages is more than agproxy accepts \(at most 20000 per request\)$/],
		['content blocks in one message', () => `${HEAD}"messages":[{"role":"user","content":[${repeat('{"type":"text","text":"a"}', LIMITS.contentBlocks + 1)}]}]}`, /^messages\.0\.content: the request holds more than 100000 content blocks \(agproxy's cap, tool_result contents included\)$/],
		[
			'content blocks across messages and tool results',
			() =>
				`${HEAD}"tools":[{"name":"t","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":[${repeat('{"type":"text","text":"a"}', 60_000)}]},` +
				`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"t","input":{}}]},` +
				`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[${repeat('{"type":"text","text":"b"}', 40_000)}]}]}]}`,
			/^messages\.2\.content\.0\.content: the request holds more than 100000 content blocks/,
		],
		['tools', () => `${HEAD}"messages":[{"role":"user","content":"a"}],"tools":[${Array.from({length: LIMITS.tools + 1}, (_, i) => `{"name":"t${i}","input_schema":{"type":"object"}}`).join(',')}]}`, /^tools: 10001 tools is more than agproxy accepts \(at most 10000 per request\)$/],
		['system blocks', () => `${HEAD}"messages":[{"role":"user","content":"a"}],"system":[${repeat('{"type":"text","text":"s"}', LIMITS.systemBlocks + 1)}]}`, /^system: 1001 system blocks is more than agproxy accepts \(at most 1000 per request\)$/],
		['stop sequences', () => `${HEAD}"messages":[{"role":"user","content":"a"}],"stop_sequences":[${repeat('"x"', LIMITS.stopSequences + 1)}]}`, /^stop_sequences: 1001 stop sequences is more than agproxy accepts \(at most 1000 per request\)$/],
	];

	for (const [label, body, pattern] of cases) {
		it(`${label}: 400 naming the cap, nothing upstream`, async () => {
			const before = generateCalls();
			const text = body();
			const paths = label === 'stop sequences' ? ['/v1/messages'] : ['/v1/messages', '/v1/messages/count_tokens'];
			for (const path of paths) assertCapped(await post(stack.app.url, path, path.endsWith('count_tokens') ? text.replace('"max_tokens":50,', '') : text), pattern, `${label} ${path}`);
			assert.equal(generateCalls(), before);
		});
	}

	it('exactly at the caps is served', async () => {
		const body = `${HEAD}"messages":[${repeat('{"role":"user","content":"a"}', LIMITS.messages - 1)},{"role":"user","content":[{"type":"text","text":"hi"}]}],"system":[${repeat('{"type":"text","text":"s"}', LIMITS.systemBlocks)}]}`;
		const answer = await post(stack.app.url, '/v1/messages/count_tokens', body.replace('"max_tokens":50,', ''));
		assert.equal(answer.status, 200, answer.text.slice(0, 300));
	});

	it(`more than ${MAX_JSON_VALUES} JSON values: refused while the body arrives, and the connection closes`, async () => {
		const body = `${HEAD}"messages":[{"role":"user","content":"a"}],"metadata":{"extra":[${repeat('0', MAX_JSON_VALUES + 10)}]}}`;
		const answer = await post(stack.app.url, '/v1/messages', body);
		assertCapped(answer, /^body: more than 500000 JSON values \(objects, arrays and list items\): agproxy accepts at most 500000 per request$/, 'values');
		assert.equal(answer.headers['connection'], 'close');
		assert.equal((await fetch(`${stack.app.url}/health`)).status, 200);
	});
});

describe('hostile bodies do not stall the server', () => {
	let stack: Stack;
	before(async () => {
		stack = await startStack();
	});
	after(() => stack.close());

	it('while 4 bodies of a million messages (29 MiB each) arrive at once, /health and count_tokens answer promptly', async () => {
		const hostile = Buffer.from(`${HEAD}"messages":[${repeat('{"role":"user","content":"a"}', 1_000_000)}]}`);
		assert.ok(hostile.length > 28 * 1024 * 1024);
		let done = false;
		const probes: number[] = [];
		const probing = (async () => {
			while (!done) {
				const started = Date.now();
				assert.equal((await fetch(`${stack.app.url}/health`)).status, 200);
				probes.push(Date.now() - started);
				await new Promise(resolve => setTimeout(resolve, 20));
			}
		})();
		const answers = await Promise.all(Array.from({length: 4}, () => post(stack.app.url, '/v1/messages', hostile)));
		done = true;
		await probing;
		for (const answer of answers) assertCapped(answer, /^body: more than 500000 JSON values/, 'hostile');
		assert.ok(probes.length > 0);
		assert.ok(Math.max(...probes) < 5_000, `/health took up to ${Math.max(...probes)} ms`);
		const counted = await post(stack.app.url, '/v1/messages/count_tokens', JSON.stringify({model: 'claude-sonnet-4-6', messages: [{role: 'user', content: 'hi'}]}));
		assert.equal(counted.status, 200);
		assert.equal(stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent').length, 0, 'nothing upstream');
	});
});
