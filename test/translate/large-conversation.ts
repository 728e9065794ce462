// A long, deterministic conversation that mixes everything translation merges and reorders: tool loops with results
// out of call order, duplicate and repeated tool names that need sanitizing, thinking signed by either family or not at
// all, redacted thinking, consecutive same-role messages, mid-conversation system messages, empty texts, string and
// block contents, image attachments and errors in tool results. Ends inside an active tool loop.
import type {ContentBlock} from '../../source/anthropic/types.js';
import {encodeSignature} from '../../source/translate/signature.js';
import {pngBase64} from '../helpers/images.js';

type RawMessage = {role: 'user' | 'assistant' | 'system'; content: string | ContentBlock[]};

/** The raw body (string contents included), for validateMessagesRequest. */
export function largeMixedConversation(loops: number): {messages: RawMessage[]} & Record<string, unknown> {
	let seed = 7;
	const random = (n: number): number => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return seed % n;
	};
	const image = pngBase64(2, 2);
	const names = ['Read', 'bad.name', 'Bash', 'mcp__srv__tool/x'];
	const messages: RawMessage[] = [{role: 'user', content: 'start'}];
	let id = 0;
	for (let loop = 0; loop < loops; loop++) {
		const content: ContentBlock[] = [];
		switch (random(4)) {
			case 0:
				content.push({type: 'thinking', thinking: `claude thought ${loop}`, signature: encodeSignature('claude', `c${loop}`)});
				break;
			case 1:
				content.push({type: 'thinking', thinking: `gemini thought ${loop}`, signature: encodeSignature('gemini', `g${loop}`)});
				break;
			case 2:
				content.push({type: 'redacted_thinking', data: encodeSignature('claude', `r${loop}`)});
				break;
			default:
				content.push({type: 'thinking', thinking: `unsigned ${loop}`, signature: 'opaque'});
		}
		content.push({type: 'text', text: random(5) === 0 ? ' ' : `step ${loop}`});
		const ids: string[] = [];
		for (let k = 0, calls = 1 + random(3); k < calls; k++) {
			const toolId = `toolu_${String(id++).padStart(5, '0')}`;
			ids.push(toolId);
			content.push({type: 'tool_use', id: toolId, name: names[random(names.length)] as string, input: {n: loop, k}});
		}
		messages.push({role: 'assistant', content});
		if (random(6) === 0) messages.push({role: 'assistant', content: `more ${loop}`});
		// Results in a shuffled order; some as blocks with an image, some errors; then text.
		const results: ContentBlock[] = ids
			.map(toolId => ({toolId, key: random(100)}))
			.sort((a, b) => a.key - b.key)
			.map(({toolId}, k) =>
				k % 3 === 1
					? {type: 'tool_result', tool_use_id: toolId, content: [{type: 'text', text: `out ${toolId}`}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: image}}]}
					: {type: 'tool_result', tool_use_id: toolId, content: `out ${toolId}`, ...(k % 4 === 2 ? {is_error: true} : {})},
			);
		if (random(3) === 0) results.push({type: 'text', text: `note ${loop}`});
		messages.push({role: 'user', content: results});
		if (loop < loops - 1 && random(5) === 0) messages.push({role: 'user', content: [{type: 'text', text: `and ${loop}`}, {type: 'text', text: ''}]});
		if (loop < loops - 1 && random(9) === 0) messages.push({role: 'system', content: [{type: 'text', text: `reminder ${loop}`}]});
	}
	return {
		model: 'claude-opus-4-6-thinking',
		max_tokens: 8192,
		thinking: {type: 'enabled', budget_tokens: 2048},
		tools: [{name: 'Read', input_schema: {type: 'object', properties: {n: {type: 'number'}}}}],
		messages,
	};
}
