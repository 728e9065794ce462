// `agproxy groups test <alias>`: a tiny request through the group, the same path a client's request takes.
import {NotFoundError} from '../actions/errors.js';
import type {MessagesRequest, StreamEvent} from '../anthropic/types.js';
import type {GroupRepository} from '../store/types.js';
import {assembleMessage} from '../translate/assemble.js';
import {type GenerateDeps, type Trace, generate} from './generate.js';
import {chooseModels} from './groups.js';

export async function testGroupThrough(
	deps: GenerateDeps,
	groups: Pick<GroupRepository, 'get'>,
	input: {alias: string; owner?: string; signal?: AbortSignal},
): Promise<{model: string; text: string}> {
	const choice = chooseModels(groups, input.alias, input.owner);
	if (choice.alias === undefined) throw new NotFoundError(`no group '${input.alias}'${input.owner ? ` for ${input.owner}` : ''}`);
	const request: MessagesRequest = {model: input.alias, max_tokens: 64, messages: [{role: 'user', content: [{type: 'text', text: 'Reply with one word: ok'}]}]};
	const trace: Trace = {attempts: []};
	const events: StreamEvent[] = [];
	const signal = input.signal ?? new AbortController().signal;
	for await (const event of generate(deps, {request, candidates: choice.candidates, conversation: `group-test:${input.alias}`, keepAlive: false, signal}, trace)) {
		if (event.type !== 'ping') events.push(event);
	}
	const message = assembleMessage(events);
	const text = message.content.map(block => (block.type === 'text' ? block.text : '')).join('');
	return {model: trace.servedModel ?? message.model, text};
}
