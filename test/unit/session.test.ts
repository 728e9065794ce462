import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {MessagesRequest} from '../../source/anthropic/types.js';
import {conversationKey, sessionFromUserId, upstreamSessionId} from '../../source/upstream/session.js';
import {SignatureMemory} from '../../source/upstream/signature-memory.js';

const request: MessagesRequest = {model: 'm', max_tokens: 1, messages: [{role: 'user', content: [{type: 'text', text: 'first'}]}]};

describe('conversation identity', () => {
	it('prefers the Claude Code session header, then metadata, then the caller, then the first text', () => {
		assert.equal(conversationKey(request, 'abc', 'key'), 'session:abc');
		assert.equal(conversationKey({...request, metadata: {user_id: JSON.stringify({device_id: 'd', session_id: 's1'})}}, undefined, 'key'), 'session:s1');
		assert.equal(conversationKey(request, undefined, 'key'), 'caller:key');
		assert.match(conversationKey(request, undefined, undefined), /^text:[0-9a-f]{32}$/);
		assert.notEqual(conversationKey(request, undefined, undefined), conversationKey({...request, messages: [{role: 'user', content: [{type: 'text', text: 'other'}]}]}, undefined, undefined));
	});

	it('reads both metadata.user_id forms', () => {
		assert.equal(sessionFromUserId('user_abc_account__session_0f1e2d3c-aaaa-bbbb'), '0f1e2d3c-aaaa-bbbb');
		assert.equal(sessionFromUserId('{"session_id":"x1"}'), 'x1');
		assert.equal(sessionFromUserId('plain'), undefined);
	});

	it('derives a stable -int63 upstream session id per conversation and account', () => {
		const a = upstreamSessionId('session:abc', 'acct1');
		assert.match(a, /^-\d+$/);
		assert.ok(BigInt(a.slice(1)) < 2n ** 63n);
		assert.equal(a, upstreamSessionId('session:abc', 'acct1'));
		assert.notEqual(a, upstreamSessionId('session:abc', 'acct2'));
	});
});

describe('SignatureMemory', () => {
	it('recalls and evicts the oldest beyond capacity', () => {
		const memory = new SignatureMemory(2);
		memory.remember('a', '1');
		memory.remember('b', '2');
		memory.remember('c', '3');
		assert.equal(memory.recall('a'), undefined);
		assert.equal(memory.recall('c'), '3');
		assert.equal(memory.size, 2);
	});
});
