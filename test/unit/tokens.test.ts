import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {imageSize, sniffImageType} from '../../source/anthropic/media.js';
import {estimateImageTokens, estimateRequestTokens, estimateTextTokens} from '../../source/tokens/estimate.js';
import {TINY_PDF_BASE64, jpegBase64, pngBase64} from '../helpers/images.js';

describe('token estimate', () => {
	it('grows with text and stays in a plausible range for English', () => {
		const sentence = 'The quick brown fox jumps over the lazy dog. ';
		const one = estimateTextTokens(sentence);
		assert.ok(one >= 8 && one <= 14, `got ${one}`);
		assert.ok(Math.abs(estimateTextTokens(sentence.repeat(100)) - one * 100) <= 100);
		assert.equal(estimateTextTokens(''), 0);
	});

	it('prices images by area like Anthropic (w*h/750, scaled to 1568 px)', () => {
		assert.equal(estimateImageTokens(pngBase64(200, 200)), Math.ceil((200 * 200) / 750));
		assert.equal(estimateImageTokens(jpegBase64(3136, 1568)), Math.ceil((1568 * 784) / 750));
	});

	it('counts system, messages, tools and documents', () => {
		const base = {model: 'm', messages: [{role: 'user' as const, content: [{type: 'text' as const, text: 'hello'}]}]};
		const plain = estimateRequestTokens(base);
		const withSystem = estimateRequestTokens({...base, system: [{type: 'text', text: 'You are a helpful assistant.'}]});
		const withTool = estimateRequestTokens({...base, tools: [{name: 'Bash', description: 'Run a command', input_schema: {type: 'object', properties: {command: {type: 'string'}}}}]});
		const withPdf = estimateRequestTokens({...base, messages: [{role: 'user', content: [{type: 'document', source: {type: 'base64', media_type: 'application/pdf', data: TINY_PDF_BASE64}}]}]});
		assert.ok(withSystem > plain && withTool > withSystem && withPdf > plain);
	});
});

describe('media sniffing', () => {
	it('finds type and size from headers', () => {
		assert.equal(sniffImageType(pngBase64(3, 5)), 'image/png');
		assert.deepEqual(imageSize(pngBase64(3, 5)), {width: 3, height: 5});
		assert.equal(sniffImageType(jpegBase64(640, 480)), 'image/jpeg');
		assert.deepEqual(imageSize(jpegBase64(640, 480)), {width: 640, height: 480});
		assert.equal(sniffImageType(Buffer.from('GIF89a\x02\x00\x03\x00', 'latin1').toString('base64')), 'image/gif');
		assert.equal(sniffImageType(Buffer.from('hello').toString('base64')), undefined);
	});
});
