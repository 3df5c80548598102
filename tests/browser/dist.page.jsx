// A host page that loads the built plugin, dist/module.js, the way Grafana
// loads plugins: SystemJS with its AMD extra imports the module, and the
// packages Grafana shares with plugins (@grafana/data, @grafana/ui,
// @grafana/runtime, react, react-dom, rxjs, @emotion/css) come from this
// page's own copies of the real npm packages, registered under Grafana's
// "package:" ids. The page then does what Grafana does with the exported
// plugin: it builds the DataSource from the plugin's meta and instance
// settings and mounts the plugin's ConfigEditor (#config), its QueryEditor
// with the query results below (#query, as in Explore), or two query
// editors of the same refId side by side (#split, Explore's split view).
// Queries run through the real DataSourceWithBackend, which posts to
// /api/ds/query; the test answers that route.
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUI from '@grafana/ui';
import { FlameGraph } from '@grafana/flamegraph';
import * as React from 'react';
import * as jsxRuntime from 'react/jsx-runtime';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as rxjs from 'rxjs';

import { backendSrv, templateSrv } from './shims/backend-srv.mjs';

const { applyFieldOverrides, CoreApp, createTheme, dateTime, ThemeContext } = grafanaData;
const { GlobalStyles, Table } = grafanaUI;
const { useRef, useState } = React;

const PLUGIN_ID = 'goscope-pprof-datasource';
const theme = createTheme();

window.__changes = [];
window.__runs = 0;

/** Registers the shared packages as Grafana's plugin loader does, under package:NAME. */
function shareDependencies() {
  const shared = {
    '@emotion/css': emotionCss,
    '@grafana/data': grafanaData,
    '@grafana/runtime': grafanaRuntime,
    '@grafana/ui': grafanaUI,
    react: React,
    'react/jsx-runtime': jsxRuntime,
    'react-dom': ReactDOM,
    rxjs,
  };
  const imports = {};
  for (const [name, module] of Object.entries(shared)) {
    System.set(`package:${name}`, module);
    imports[name] = `package:${name}`;
  }
  System.addImportMap({ imports });
}

function record(value) {
  window.__changes.push(value);
  return value;
}

function ConfigPage({ plugin, initial }) {
  const [options, setOptions] = useState(initial);
  const { ConfigEditor } = plugin.components;
  return <ConfigEditor options={options} onOptionsChange={(next) => setOptions(record(next))} />;
}

/** A query editor and, once it runs the query, the frames Grafana's panels would get. */
function QueryPage({ plugin, datasource, width }) {
  const { QueryEditor } = plugin.components;
  const [query, setQuery] = useState(() => ({
    refId: 'A',
    datasource: datasource.getRef(),
    ...datasource.getDefaultQuery(CoreApp.Explore),
  }));
  // Grafana calls onChange, then onRunQuery, before the new query is rendered.
  const latest = useRef(query);
  const [result, setResult] = useState();
  const run = (q) => {
    window.__runs++;
    window.__results = undefined;
    window.__resultError = undefined;
    const range = { from: dateTime(0), to: dateTime(Date.now()), raw: { from: 'now-1h', to: 'now' } };
    datasource
      .query({
        app: CoreApp.Explore,
        requestId: `explore-${window.__runs}`,
        targets: [q],
        range,
        interval: '15s',
        intervalMs: 15000,
        maxDataPoints: 1000,
        scopedVars: {},
        timezone: 'utc',
        startTime: Date.now(),
      })
      .subscribe({
        next: (response) => {
          window.__results = response.data.map((f) => ({
            name: f.name,
            length: f.length,
            fields: f.fields.map((field) => field.name),
            visualisation: f.meta?.preferredVisualisationType,
            notices: (f.meta?.notices ?? []).map((n) => n.text),
          }));
          window.__resultError = response.error?.message;
          setResult(response);
        },
        error: (err) => {
          window.__resultError = String(err?.data?.message ?? err?.message ?? err);
        },
      });
  };
  return (
    <div style={{ width }}>
      <QueryEditor
        datasource={datasource}
        query={query}
        onChange={(next) => {
          latest.current = record(next);
          setQuery(next);
        }}
        onRunQuery={() => run(latest.current)}
        app={CoreApp.Explore}
      />
      {result && <Frames frames={result.data} width={width} />}
    </div>
  );
}

function Frames({ frames, width }) {
  return (
    <div data-testid="query-result" style={{ marginTop: 16 }}>
      {frames.map((frame, i) =>
        frame.meta?.preferredVisualisationType === 'flamegraph' ? (
          <div key={i} style={{ height: 640 }}>
            <FlameGraph data={frame} getTheme={() => theme} disableCollapsing={true} />
          </div>
        ) : (
          <FrameTable key={i} frame={frame} width={width} />
        )
      )}
    </div>
  );
}

/** A table panel's rendering: field display processors, then Grafana's Table. */
function FrameTable({ frame, width }) {
  const [processed] = applyFieldOverrides({
    data: [frame],
    fieldConfig: { defaults: {}, overrides: [] },
    replaceVariables: (v) => v,
    theme,
    timeZone: 'utc',
  });
  return <Table data={processed} width={width} height={520} />;
}

async function main() {
  // SystemJS's AMD extra defines a global define(), which UMD packages such
  // as lodash would take for a loader and register with instead of
  // exporting; it is loaded once this page's own packages have loaded, as
  // Grafana's app has by the time it loads plugins.
  await import('systemjs/dist/system.js');
  await import('systemjs/dist/extras/amd.js');
  shareDependencies();
  const fixture = await (await fetch('/fixture.json')).json();
  // What Grafana's app does at start: the runtime's services.
  grafanaRuntime.setBackendSrv(backendSrv);
  grafanaRuntime.setTemplateSrv(templateSrv);

  const base = `/public/plugins/${PLUGIN_ID}/`;
  const meta = await (await fetch(`${base}plugin.json`)).json();
  const exported = await System.import(`${base}module.js`);
  const { plugin } = exported;
  plugin.meta = { ...meta, baseUrl: base.slice(1), module: `${base.slice(1)}module.js` };
  window.__plugin = {
    exports: Object.keys(exported).filter((k) => k !== 'default'),
    components: Object.keys(plugin.components ?? {}).filter((k) => plugin.components[k]),
    isDataSourcePlugin: plugin instanceof grafanaData.DataSourcePlugin,
  };

  const instanceSettings = { ...fixture.instanceSettings, meta: plugin.meta };
  grafanaRuntime.setDataSourceSrv({
    getInstanceSettings: (ref) => (!ref || ref.uid === instanceSettings.uid ? instanceSettings : undefined),
    getList: () => [instanceSettings],
    get: async () => datasource,
    reload: () => undefined,
  });
  const datasource = new plugin.DataSourceClass(instanceSettings);

  let page;
  if (location.hash === '#config') {
    page = <ConfigPage plugin={plugin} initial={fixture.settings} />;
  } else if (location.hash === '#split') {
    page = (
      <div style={{ display: 'flex', gap: 16 }}>
        <QueryPage plugin={plugin} datasource={datasource} width={680} />
        <QueryPage plugin={plugin} datasource={datasource} width={680} />
      </div>
    );
  } else {
    page = <QueryPage plugin={plugin} datasource={datasource} width={1360} />;
  }
  createRoot(document.getElementById('root')).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      {page}
    </ThemeContext.Provider>
  );
}

main().catch((err) => {
  window.__pageError = String(err && err.stack ? err.stack : err);
  throw err;
});
