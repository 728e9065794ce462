// A panel that throws while rendering shows the error in its place; the header, the tabs and the keys keep working
// (switching panels remounts it). The dashboard never takes the whole process down because of one view.
import {Box} from 'ink';
import {Component, type ReactNode} from 'react';
import {messageOf} from '../format.js';
import {Line} from './Line.js';

type Props = {width: number; height: number; children: ReactNode};

export class ErrorBoundary extends Component<Props, {error: unknown}> {
	override state: {error: unknown} = {error: undefined};

	static getDerivedStateFromError(error: unknown): {error: unknown} {
		return {error};
	}

	override render(): ReactNode {
		if (this.state.error === undefined) return this.props.children;
		const {width, height} = this.props;
		return (
			<Box flexDirection="column" width={width} height={height} overflow="hidden">
				<Line segments={[{text: ' This view failed: ', bold: true, tone: 'error'}, {text: messageOf(this.state.error), tone: 'error'}]} width={width} />
				<Line segments={[{text: ' Switch to another panel and back to retry; q quits.', tone: 'muted'}]} width={width} />
			</Box>
		);
	}
}
