// Renders the plugin's own config or query editor (#config, #query) the way
// Grafana hosts them: the editor's changes are fed back in as its new props.
// Every change is also recorded on window for the test: __changes holds
// each onOptionsChange / onChange result, __runs counts onRunQuery calls.
// The settings come from /fixture.json, written by the test.
import { CoreApp, createTheme, ThemeContext } from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';
import { useState } from 'react';
import { createRoot } from 'react-dom/client';

import { ConfigEditor } from '../../src/components/ConfigEditor';
import { QueryEditor } from '../../src/components/QueryEditor';
import { DataSource } from '../../src/datasource';

window.__changes = [];
window.__runs = 0;

function record(value) {
  window.__changes.push(value);
  return value;
}

function ConfigPage({ initial }) {
  const [options, setOptions] = useState(initial);
  return <ConfigEditor options={options} onOptionsChange={(next) => setOptions(record(next))} />;
}

function QueryPage({ datasource }) {
  // Grafana starts a new query from the data source's default.
  const [query, setQuery] = useState({ refId: 'A', ...datasource.getDefaultQuery(CoreApp.PanelEditor) });
  return (
    <QueryEditor
      datasource={datasource}
      query={query}
      onChange={(next) => setQuery(record(next))}
      onRunQuery={() => window.__runs++}
    />
  );
}

async function main() {
  const fixture = await (await fetch('/fixture.json')).json();
  const editor =
    location.hash === '#config' ? (
      <ConfigPage initial={fixture.settings} />
    ) : (
      <QueryPage datasource={new DataSource(fixture.instanceSettings)} />
    );
  // Grafana's theme and global styles, so the editor looks as it does in Grafana.
  createRoot(document.getElementById('root')).render(
    <ThemeContext.Provider value={createTheme()}>
      <GlobalStyles />
      {editor}
    </ThemeContext.Provider>
  );
}

main().catch((err) => {
  window.__pageError = String(err && err.stack ? err.stack : err);
  throw err;
});
