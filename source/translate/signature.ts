// Thinking signatures handed to clients carry the family that issued them, so a signature that comes back
// can be routed without any server-side memory (it survives restarts): Claude signatures are only valid for
// Claude targets, Gemini signatures only for Gemini targets. Clients treat signatures as opaque strings.

import type {ModelFamily} from './family.js';

const PREFIX = 'agp1';

export function encodeSignature(family: ModelFamily, upstreamSignature: string): string {
	return `${PREFIX}.${family}.${upstreamSignature}`;
}

export function decodeSignature(clientSignature: string): {family: ModelFamily; signature: string} | undefined {
	const match = /^agp1\.(claude|gemini)\.(.+)$/s.exec(clientSignature);
	if (!match?.[1] || !match[2]) return undefined;
	return {family: match[1] as ModelFamily, signature: match[2]};
}
