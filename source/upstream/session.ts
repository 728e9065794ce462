// Conversation identity. One key per conversation keeps a conversation on one account (prompt-cache hits) and gives the
// upstream a stable `sessionId` so its prompt cache keeps hitting across turns.
import {createHash} from 'node:crypto';
import type {MessagesRequest} from '../anthropic/types.js';

/**
 * `x-claude-code-session-id`, else the session inside Claude Code's `metadata.user_id`, else the caller's key, else the
 * first user text. A subagent (Claude Code sends `x-claude-code-agent-id` for every agent but the main one) is its own
 * conversation within the session: parallel subagents spread over the accounts instead of piling their 429s onto the
 * parent's, and each keeps its own account, prompt cache and upstream sessionId for all of its turns.
 */
export function conversationKey(
	req: Pick<MessagesRequest, 'metadata' | 'messages'>,
	headerSessionId: string | undefined,
	callerKey: string | undefined,
	agentId?: string,
): string {
	const agent = agentId ? `:agent:${agentId.slice(0, MAX_AGENT_ID)}` : '';
	if (headerSessionId) return `session:${headerSessionId}${agent}`;
	const fromMetadata = sessionFromUserId(req.metadata?.user_id);
	if (fromMetadata) return `session:${fromMetadata}${agent}`;
	if (callerKey) return `caller:${callerKey}${agent}`;
	const first = req.messages.find(m => m.role === 'user');
	const text = first?.content.map(b => (b.type === 'text' ? b.text : '')).join('') ?? '';
	return `text:${hash(text).slice(0, 32)}`;
}

/** Claude Code sends `metadata.user_id` as a JSON string holding `session_id`; older clients use `user_…_session_<uuid>`. */
export function sessionFromUserId(userId: string | undefined): string | undefined {
	if (!userId) return undefined;
	try {
		const parsed = JSON.parse(userId) as unknown;
		if (typeof parsed === 'object' && parsed !== null && 'session_id' in parsed && typeof parsed.session_id === 'string') return parsed.session_id;
	} catch {
		// not JSON: try the legacy form
	}
	return /_session_([0-9a-f-]{8,})$/i.exec(userId)?.[1];
}

/** The upstream `sessionId`: `-<int63>` like the native client, stable for a (conversation, account) pair. */
export function upstreamSessionId(conversation: string, accountId: string): string {
	const digest = createHash('sha256').update(`${accountId}\n${conversation}`).digest();
	return `-${(digest.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn).toString()}`;
}

/** Claude Code's agent ids are short (`a1b2c3…`); anything longer only needs to stay distinct, not whole. */
const MAX_AGENT_ID = 128;

function hash(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}
