import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {DEFAULT_MODEL_RULES, parseModelRules, resolveModel} from '../../source/models/catalogue.js';
import {parseAvailableModels} from '../../source/accounts/quota.js';
import {ModelDirectory} from '../../source/models/directory.js';

describe('model mapping', () => {
	const served = new Set(['claude-sonnet-4-6', 'gemini-3-flash', 'claude-opus-4-6-thinking']);

	it('serves an offered model as asked', () => {
		assert.equal(resolveModel('gemini-3-flash', DEFAULT_MODEL_RULES, served), 'gemini-3-flash');
	});

	it("maps Claude Code's own names", () => {
		assert.equal(resolveModel('claude-opus-4-8', DEFAULT_MODEL_RULES, served), 'claude-opus-4-6-thinking');
		assert.equal(resolveModel('claude-sonnet-4-5-20250929', DEFAULT_MODEL_RULES, served), 'claude-sonnet-4-6');
		assert.equal(resolveModel('claude-haiku-4-5-20251001', DEFAULT_MODEL_RULES, served), 'gemini-3-flash');
	});

	it('passes unknown names through and lets user rules win', () => {
		assert.equal(resolveModel('gpt-oss-120b-medium', DEFAULT_MODEL_RULES, served), 'gpt-oss-120b-medium');
		const rules = [...parseModelRules('claude-opus-*=gemini-3.1-pro-high, my-?=gemini-3-flash'), ...DEFAULT_MODEL_RULES];
		assert.equal(resolveModel('claude-opus-4-8', rules, served), 'gemini-3.1-pro-high');
		assert.equal(resolveModel('my-x', rules, served), 'gemini-3-flash');
		assert.equal(resolveModel('my-xy', rules, served), 'my-xy');
	});

	it('rejects malformed rules', () => {
		assert.throws(() => parseModelRules('nonsense'), /glob=model/);
		assert.throws(() => parseModelRules('a=b=c'), /glob=model/);
	});

	it('takes the served list from fetchAvailableModels, without internal ids', () => {
		const directory = new ModelDirectory();
		const parsed = parseAvailableModels({models: {'gemini-3-flash': {displayName: 'Gemini 3 Flash', quotaInfo: {remainingFraction: 0.5}}, chat_20706: {}, tab_flash_lite_preview: {displayName: 'x'}}});
		assert.ok(parsed);
		directory.setModels(parsed.models);
		assert.deepEqual(directory.list().map(m => m.id), ['gemini-3-flash']);
		assert.equal(directory.list()[0]?.createdAt, '2025-12-17T00:00:00Z', 'catalogue dates are kept');
		directory.setModels([]);
		assert.equal(directory.list().length, 1, 'an empty answer does not wipe the list');
		assert.equal(parseAvailableModels('nope'), undefined);
	});
});
