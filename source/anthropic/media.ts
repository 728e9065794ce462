// Image sniffing from base64 without decoding whole payloads: the type from magic bytes, dimensions from the header.

type ImageType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

function head(base64: string, bytes: number): Buffer {
	const chars = Math.ceil(bytes / 3) * 4;
	return Buffer.from(base64.slice(0, chars), 'base64');
}

export function sniffImageType(base64: string): ImageType | undefined {
	const b = head(base64, 12);
	if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
	if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
	if (b.length >= 6 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) return 'image/gif';
	if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
	return undefined;
}

/** Width and height from the image header, when it can be read cheaply (JPEG may need to scan segments). */
export function imageSize(base64: string): {width: number; height: number} | undefined {
	const type = sniffImageType(base64);
	if (type === 'image/png') {
		const b = head(base64, 24);
		return b.length >= 24 ? {width: b.readUInt32BE(16), height: b.readUInt32BE(20)} : undefined;
	}
	if (type === 'image/gif') {
		const b = head(base64, 10);
		return b.length >= 10 ? {width: b.readUInt16LE(6), height: b.readUInt16LE(8)} : undefined;
	}
	if (type === 'image/webp') return webpSize(head(base64, 30));
	if (type === 'image/jpeg') return jpegSize(head(base64, 65_536));
	return undefined;
}

function webpSize(b: Buffer): {width: number; height: number} | undefined {
	if (b.length < 30) return undefined;
	const chunk = b.toString('latin1', 12, 16);
	if (chunk === 'VP8X') return {width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3)};
	if (chunk === 'VP8 ') return {width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff};
	if (chunk === 'VP8L') {
		const bits = b.readUInt32LE(21);
		return {width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1};
	}
	return undefined;
}

function jpegSize(b: Buffer): {width: number; height: number} | undefined {
	let offset = 2;
	while (offset + 9 < b.length) {
		if (b[offset] !== 0xff) return undefined;
		const marker = b[offset + 1] ?? 0;
		const length = b.readUInt16BE(offset + 2);
		// SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
		if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
			return {height: b.readUInt16BE(offset + 5), width: b.readUInt16BE(offset + 7)};
		}
		offset += 2 + length;
	}
	return undefined;
}
