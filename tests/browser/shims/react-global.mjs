// Some of Grafana's compiled modules use the classic JSX runtime and refer
// to a React they do not import; esbuild injects this where they do.
import * as React from 'react';

export { React };
