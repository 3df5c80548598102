import React, { useState } from 'react';
import { render } from '@testing-library/react';

import { PprofOptions } from '../types';
import { ConfigEditor } from '../components/ConfigEditor';
import { Settings } from '../components/config/secrets';

/** Data source settings as Grafana hands them to the config editor. */
export function settings(jsonData: PprofOptions, secureJsonFields: Record<string, boolean> = {}): Settings {
  return {
    id: 1,
    uid: 'pprof-test',
    orgId: 1,
    name: 'Go pprof',
    type: 'goscope-pprof-datasource',
    typeName: 'Go pprof',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    jsonData,
    secureJsonFields,
  } as Settings;
}

/** Renders the editor the way Grafana does: it owns the settings and passes every change back in. */
export function renderEditor(initial: Settings) {
  const latest: { current: Settings } = { current: initial };
  function Harness() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          latest.current = next;
          setOptions(next);
        }}
      />
    );
  }
  render(<Harness />);
  return latest;
}
