// stop_sequences end to end (the official SDK -> agproxy -> the simulator, real sockets, streaming and not):
// - forwarded as generationConfig.stopSequences (at most 5), so Google stops generating, and spending quota, there;
// - Cloud Code ends such an answer with an ordinary STOP and never says which sequence (nor that one) matched, so the
//   answer is cut before the sequence and reported as end_turn;
// - agproxy still finds every stop sequence in the text itself: one past the 5 it can forward (or one upstream did not
//   honour) ends the answer there, with stop_reason "stop_sequence" and stop_sequence naming it, and the rest of the
//   upstream stream is not read.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import {simMarker} from '../../source/simulator/index.js';
import {useStack} from '../helpers/stack.js';

const stack = useStack();

type Params = Anthropic.MessageCreateParamsNonStreaming;

function sentStopSequences(): unknown[] {
	return stack.sim.requests
		.filter((r) => r.rpc === 'streamGenerateContent')
		.map((r) => (r.body as {request: {generationConfig?: {stopSequences?: unknown}}}).request.generationConfig?.stopSequences);
}

async function both(params: Params): Promise<Anthropic.Message[]> {
	const plain = await stack.client.messages.create(params);
	const streamed = await stack.client.messages.stream(params).finalMessage();
	return [plain, streamed];
}

const ask = (text: string, stop_sequences: string[], model = 'claude-sonnet-4-6'): Params => ({
	model,
	max_tokens: 200,
	stop_sequences,
	messages: [{role: 'user', content: `go ${simMarker({kind: 'text', text, chunks: 9})}`}],
});

describe('stop_sequences', () => {
	for (const model of ['claude-sonnet-4-6', 'gemini-3-flash']) {
		it(`${model}: forwarded upstream, which stops before the match; the client gets the text before it`, async () => {
			for (const message of await both(ask('alpha beta STOP gamma END delta', ['END', 'STOP'], model))) {
				assert.deepEqual(message.content, [{type: 'text', text: 'alpha beta '}]);
				// What Cloud Code reports (finishReason STOP, no sequence): agproxy does not invent one.
				assert.equal(message.stop_reason, 'end_turn');
				assert.equal(message.stop_sequence, null);
			}
			assert.deepEqual(sentStopSequences(), [['END', 'STOP'], ['END', 'STOP']]);
		});
	}

	it('past the 5 Cloud Code takes: the first 5 go upstream, a later one is found locally and named', async () => {
		const stops = ['s1', 's2', 's3', 's4', 's5', 'HALT', 'never'];
		for (const message of await both(ask('one two HALT three four five', stops))) {
			assert.deepEqual(message.content, [{type: 'text', text: 'one two '}]);
			assert.equal(message.stop_reason, 'stop_sequence');
			assert.equal(message.stop_sequence, 'HALT');
		}
		assert.deepEqual(sentStopSequences(), [stops.slice(0, 5), stops.slice(0, 5)], 'at most 5 reach upstream (more would be a 400)');
	});

	it('a forwarded sequence that never appears: the whole answer, end_turn', async () => {
		for (const message of await both(ask('nothing to stop here', ['ZZZ']))) {
			assert.deepEqual(message.content, [{type: 'text', text: 'nothing to stop here'}]);
			assert.equal(message.stop_reason, 'end_turn');
			assert.equal(message.stop_sequence, null);
		}
		assert.deepEqual(sentStopSequences(), [['ZZZ'], ['ZZZ']]);
	});
});
