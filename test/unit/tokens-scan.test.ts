import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {estimateTextTokens} from '../../source/tokens/estimate.js';

/** The estimate's definition as a regex (what estimateTextTokens used to run): the scanner must price the same pieces. */
function reference(text: string): number {
	let tokens = 0;
	for (const [piece] of text.matchAll(/\s?[A-Za-z]+|\s?\d{1,3}|\s?[^\sA-Za-z\d]+|\s+/g)) {
		const core = piece.trimStart();
		if (core.length === 0) tokens += Math.max(1, Math.ceil((piece.match(/\n/g)?.length ?? 1) / 2));
		else if (/^[A-Za-z]/.test(core)) tokens += Math.max(1, Math.ceil(core.length / 7));
		else if (/^\d/.test(core)) tokens += 1;
		else {
			const ascii = core.replace(/[^\x21-\x7e]/g, '');
			tokens += Math.ceil(ascii.length / 3) + (core.length - ascii.length);
		}
	}
	return tokens;
}

describe('token estimate scanner', () => {
	it('prices every UTF-16 code unit like the regex definition, alone and beside spaces, letters and digits', () => {
		for (let code = 0; code <= 0xffff; code += 1) {
			const c = String.fromCharCode(code);
			for (const text of [c, ` ${c}`, `${c}a`, `a${c} 1`, `  ${c}${c}`, `${c}\n\n`]) assert.equal(estimateTextTokens(text), reference(text), `U+${code.toString(16)} in ${JSON.stringify(text)}`);
		}
	});

	it('prices mixed text like the regex definition', () => {
		const pieces = ['a', 'Zeta', ' ', '  ', '\n', '\t', '\r\n', '1', '23', '45678', '.', '!!', '{"k": [1, 2]}', 'é', '日本', '\u00a0', '\u2028', '\ufeff', '\u0085', '😀'];
		let seed = 3;
		const random = (n: number): number => {
			seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
			return seed % n;
		};
		for (let k = 0; k < 20_000; k++) {
			let text = '';
			for (let j = random(24); j > 0; j--) text += pieces[random(pieces.length)];
			assert.equal(estimateTextTokens(text), reference(text), JSON.stringify(text));
		}
	});
});
