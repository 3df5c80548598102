import { fireEvent, screen, within } from '@testing-library/react';

import { PprofOptions } from '../../types';
import { renderEditor, settings } from '../../testing/configEditor';
import { discoveryProblems, templateError } from './discoveryValidation';

function renderWith(jsonData: PprofOptions) {
  return renderEditor(settings(jsonData));
}

const section = () => within(screen.getByRole('region', { name: 'Target discovery' }));

describe('Target discovery section', () => {
  it('adds a DNS discoverer and an allow-list as the backend reads them', () => {
    const latest = renderWith({});
    fireEvent.click(section().getByRole('button', { name: /Add discoverer/ }));
    fireEvent.change(section().getByLabelText('Discoverer 1 name'), { target: { value: 'api' } });
    fireEvent.change(section().getByLabelText('DNS name'), { target: { value: 'api.default.svc.cluster.local' } });
    const port = section().getByLabelText('Port');
    fireEvent.change(port, { target: { value: '6060' } });
    fireEvent.blur(port);
    fireEvent.change(section().getByLabelText('Allowed networks'), { target: { value: '10.0.0.0/8, fd00::/8' } });
    fireEvent.change(section().getByLabelText('Allowed ports'), { target: { value: '6060, 8000-8100' } });
    expect(latest.current.jsonData.discovery).toEqual({
      discoverers: [{ name: 'api', kind: 'dns', host: 'api.default.svc.cluster.local', port: 6060 }],
      allow: { networks: ['10.0.0.0/8', 'fd00::/8'], ports: ['6060', '8000-8100'] },
    });
    expect(discoveryProblems(latest.current.jsonData.discovery)).toEqual([]);
  });

  it('shows the fields of a Prometheus discoverer and keeps its secrets by name', () => {
    const latest = renderWith({
      discovery: { discoverers: [{ name: 'prom', kind: 'prometheus' }], allow: { hosts: ['*.example.com'] } },
    });
    expect(section().queryByLabelText('DNS name')).toBeNull();
    fireEvent.change(section().getByLabelText('Prometheus URL'), { target: { value: 'http://prometheus:9090' } });
    fireEvent.change(section().getByLabelText('Jobs'), { target: { value: 'api, worker' } });
    fireEvent.change(section().getByLabelText('Bearer token'), { target: { value: 'tok' } });
    const d = latest.current.jsonData.discovery!;
    expect(d.discoverers![0]).toMatchObject({ url: 'http://prometheus:9090', jobs: ['api', 'worker'] });
    expect(latest.current.secureJsonData?.['discoveryBearerToken.prom']).toBe('tok');
    expect(section().getByLabelText('pprof URL template')).toHaveAttribute(
      'placeholder',
      'http://{{host}}:6060/debug/pprof'
    );
  });

  it('says what Save & test would refuse', () => {
    renderWith({
      discovery: {
        discoverers: [{ name: 'f', kind: 'file', path: 'relative.json', urlTemplate: 'http://static/debug/pprof' }],
        allow: { networks: ['10.0.0.0/33'], ports: ['70000'] },
      },
    });
    const alert = screen.getByText('Save & test will report these problems').closest('div')!.parentElement!;
    for (const text of [/not a network/, /must be a port/, /absolute path/, /Use \{\{host\}\} or \{\{address\}\}/]) {
      expect(within(alert).getAllByText(text).length).toBeGreaterThan(0);
    }
  });
});

describe('discovery validation', () => {
  it('refuses a discovery without an allow-list', () => {
    expect(discoveryProblems({ discoverers: [{ name: 'a', kind: 'file', path: '/x.json' }] })).toEqual([
      'Discovery needs an allow-list: add the networks or host names that discovered targets may be at',
    ]);
    expect(discoveryProblems({ allow: {} })).toEqual([]);
  });

  it('checks templates as the backend does', () => {
    expect(templateError('http://{{host}}:6060/debug/pprof', false)).toBeUndefined();
    expect(templateError('http://{{address}}/metrics?x=1', true)).toBeUndefined();
    expect(templateError('http://{{address}}/debug/pprof?x=1', false)).toMatch(/query/);
    expect(templateError('http://{{pod}}/debug/pprof', false)).toMatch(/Unknown placeholder/);
    expect(templateError('ftp://{{address}}/', false)).toMatch(/http/);
    expect(templateError('http://u:p@{{address}}/', false)).toMatch(/credentials/);
  });

  it('checks the allow-list entries', () => {
    const problems = discoveryProblems({
      discoverers: [{ name: 'a', kind: 'srv', host: '_pprof._tcp.api' }],
      allow: {
        networks: ['10.0.0.0/8', '300.0.0.0/8', 'fd00::/129'],
        hosts: ['*.ok.test', '10.0.0.1', 'bad host'],
        ports: ['0', '6060-6069', '7-6'],
      },
    });
    expect(problems).toHaveLength(6);
  });
});
