// Thought signatures the simulator issues and later verifies without memory: base64 of
// [version, family, kind, 16-byte hash of the signed text, 8-byte nonce] followed by an HMAC-SHA256 over those bytes.
// Claude signatures bind the exact thinking text; Gemini ones bind only the family. ~80 chars, like real ones.
import {createHash, createHmac, timingSafeEqual} from 'node:crypto';

export type SignatureFamily = 'claude' | 'gemini';

const VERSION = 1;
const HEADER = 3;
const HASH = 16;
const NONCE = 8;
const MAC = 32;
const PAYLOAD = HEADER + HASH + NONCE;

function digest(text: string): Buffer {
	return createHash('sha256').update(text, 'utf8').digest().subarray(0, HASH);
}

export type VerifiedSignature = {family: SignatureFamily; textHash: Buffer};

export class Signer {
	constructor(private readonly secret: string) {}

	/** Claude: signs the full thinking text. */
	claude(thinking: string, nonce: string): string {
		return this.issue('claude', thinking, nonce);
	}

	/** Gemini: a family-bound signature for a function call or text part. */
	gemini(nonce: string): string {
		return this.issue('gemini', '', nonce);
	}

	private issue(family: SignatureFamily, text: string, nonce: string): string {
		const payload = Buffer.alloc(PAYLOAD);
		payload[0] = VERSION;
		payload[1] = family === 'claude' ? 1 : 2;
		payload[2] = text === '' ? 2 : 1;
		digest(text).copy(payload, HEADER);
		createHash('sha256').update(nonce).digest().copy(payload, HEADER + HASH, 0, NONCE);
		return Buffer.concat([payload, this.mac(payload)]).toString('base64');
	}

	private mac(payload: Buffer): Buffer {
		return createHmac('sha256', this.secret).update(payload).digest();
	}

	/** undefined when the signature was not issued by this simulator (or was tampered with). */
	verify(signature: string): VerifiedSignature | undefined {
		const bytes = Buffer.from(signature, 'base64');
		if (bytes.length !== PAYLOAD + MAC) return undefined;
		const payload = bytes.subarray(0, PAYLOAD);
		if (!timingSafeEqual(bytes.subarray(PAYLOAD), this.mac(payload))) return undefined;
		if (payload[0] !== VERSION) return undefined;
		const family = payload[1] === 1 ? 'claude' : payload[1] === 2 ? 'gemini' : undefined;
		if (family === undefined) return undefined;
		return {family, textHash: Buffer.from(payload.subarray(HEADER, HEADER + HASH))};
	}

	/** A Claude signature valid for exactly this thinking text. */
	validClaudeThought(signature: string, thinking: string): boolean {
		const verified = this.verify(signature);
		return verified?.family === 'claude' && verified.textHash.equals(digest(thinking));
	}
}
