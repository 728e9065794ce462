// `████████░░░░ 62%`: what is left of a model's quota, green above 50 %, yellow above 20 %, red below. The bar
// characters and the percentage carry the meaning without colour too (NO_COLOR).
import {Text} from 'ink';
import type {ReactElement} from 'react';
import {formatPercent} from '../format.js';
import {quotaTone, useTheme} from '../theme.js';

export const FILLED = '█';
export const EMPTY = '░';

/** The bar alone, `width` cells (no percentage). */
export function quotaBar(fraction: number | undefined, width: number): string {
	if (width <= 0) return '';
	if (fraction === undefined || !Number.isFinite(fraction)) return '·'.repeat(width);
	const clamped = Math.min(1, Math.max(0, fraction));
	let filled = Math.round(clamped * width);
	if (clamped > 0 && filled === 0) filled = 1;
	if (clamped < 1 && filled === width) filled = width - 1;
	return FILLED.repeat(filled) + EMPTY.repeat(width - filled);
}

export function QuotaBar({fraction, width}: {fraction: number | undefined; width: number}): ReactElement {
	const theme = useTheme();
	const barWidth = Math.max(1, width - 5);
	return (
		<Text color={theme.color(quotaTone(fraction))}>
			{quotaBar(fraction, barWidth)}
			{formatPercent(fraction).padStart(5)}
		</Text>
	);
}
