// Renders one flame graph frame written by ./framejson with Grafana's own
// flame graph component, picked by the URL's hash (#heap, #cpu, #diff...),
// and publishes on window what the test should find: the expected values
// formatted the way the component formats the frame's value field.
import { createTheme, dataFrameFromJSON, getDisplayProcessor, formattedValueToString } from '@grafana/data';
import { FlameGraph } from '@grafana/flamegraph';
import { createRoot } from 'react-dom/client';

async function main() {
  const name = location.hash.slice(1);
  const views = await (await fetch('/frames.json')).json();
  const view = views[name];
  const frame = dataFrameFromJSON(view.frame);
  const theme = createTheme({ colors: { mode: 'light' } });
  const valueField = frame.fields.find((f) => f.name === 'value');
  const display = getDisplayProcessor({ field: valueField, theme });
  const format = (v) => formattedValueToString(display(v));
  // The diff top table's columns are numbers in percent, shown this way.
  const percentDisplay = getDisplayProcessor({ field: { type: 'number', config: { unit: 'percent' } }, theme });
  const percent = (v) => formattedValueToString(percentDisplay(v));
  window.__expected = {
    name,
    rows: frame.length,
    total: format(view.total),
    totalRight: view.totalRight ? format(view.totalRight) : undefined,
    top: (view.top || []).map((r) => ({ name: r.name, flat: format(r.flat), cum: format(r.cum) })),
    groups: (view.groups || []).map((r) => ({ name: r.name, total: format(r.cum) })),
    compared: (view.compared || []).map((r) => ({
      name: r.name,
      baseline: percent(r.baseline),
      comparison: percent(r.comparison),
      diff: percent(r.diff),
    })),
  };
  createRoot(document.getElementById('root')).render(
    <div style={{ height: '850px' }}>
      <FlameGraph data={frame} getTheme={() => theme} disableCollapsing={true} />
    </div>
  );
}

main().catch((err) => {
  window.__pageError = String(err && err.stack ? err.stack : err);
  throw err;
});
