// @grafana/ui's ESM build default-imports this CommonJS package; esbuild
// would hand it the module namespace instead of the component.
import scrollbars from '../../../node_modules/react-custom-scrollbars-2/lib/index.js';

export default scrollbars.default || scrollbars;
