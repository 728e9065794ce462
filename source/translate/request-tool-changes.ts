// Inline tool changes (tool_addition / tool_removal in mid-conversation system messages) -> what Cloud Code can take.
// Pure. Cloud Code has one tool list per request, so the tools in effect at the END of the conversation are declared (the
// declared tools plus additions minus removals, replayed in order); each change also leaves a short note where it
// happened, so the model knows when a tool appeared or went away. A tool_use in history for a removed tool stays valid:
// its name keeps its upstream mapping (buildToolNames reads history) and upstream does not require history calls to be
// declared, only that some tool definitions exist when there is tool history (see below).
import type {MessageParam, MessagesRequest, TextBlock, Tool, ToolChange} from '../anthropic/types.js';
import {hasToolHistory} from './request-tools.js';

type Changeable = Pick<MessagesRequest, 'tools' | 'messages' | 'tool_choice'>;

export function hasToolChanges(req: Pick<MessagesRequest, 'messages'>): boolean {
	return req.messages.some((message) => message.tool_changes !== undefined && message.tool_changes.length > 0);
}

/**
 * The request as upstream must see it: `tools` = the tools in effect at the end, and every tool change turned into a
 * text note of its system message. Requests without changes come back as they are (same object).
 * Edge case: when the changes removed every tool but the history holds tool calls, the removed tools stay declared with
 * tool_choice none (Claude refuses tool history without tool definitions; none keeps the model from calling them).
 */
export function applyToolChanges<T extends Changeable>(req: T): T {
	if (!hasToolChanges(req)) return req;
	const tools = new Map<string, Tool>();
	for (const tool of req.tools ?? []) tools.set(tool.name, tool);
	const removed = new Map<string, Tool>();
	const messages = req.messages.map((message): MessageParam => {
		const changes = message.tool_changes;
		if (changes === undefined || changes.length === 0) return message;
		for (const change of changes) {
			if (change.type === 'tool_addition') {
				tools.set(change.tool.name, change.tool);
				removed.delete(change.tool.name);
			} else {
				const tool = tools.get(change.name);
				if (tool) removed.set(change.name, tool);
				tools.delete(change.name);
			}
		}
		return {role: message.role, content: [...message.content, toolChangeNote(changes)]};
	});
	const effective = [...tools.values()];
	const noneLeft = !effective.some((tool) => tool.type === undefined || tool.type === 'custom');
	if (noneLeft && removed.size > 0 && hasToolHistory(messages)) {
		return {...req, messages, tools: [...effective, ...removed.values()], tool_choice: {type: 'none'}};
	}
	const {tools: _declared, ...rest} = req;
	return {...rest, messages, ...(effective.length > 0 ? {tools: effective} : {})} as T;
}

/** One short note per system message: which tools became available, which went away. */
export function toolChangeNote(changes: readonly ToolChange[]): TextBlock {
	const added = changes.filter((c) => c.type === 'tool_addition').map((c) => c.tool.name);
	const removed = changes.filter((c) => c.type === 'tool_removal').map((c) => c.name);
	const lines: string[] = [];
	if (added.length > 0) lines.push(`Tools now available: ${added.join(', ')}.`);
	if (removed.length > 0) lines.push(`Tools no longer available (do not call them): ${removed.join(', ')}.`);
	return {type: 'text', text: lines.join('\n')};
}
