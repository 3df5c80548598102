// What the plugin's frontend takes from @grafana/runtime, for a page outside
// Grafana: backendSrv's JSON calls over fetch (rejecting with backendSrv's
// error shape), a template service without dashboard variables, the boot
// config api.ts reads, and DataSourceWithBackend's resource URLs. The real
// package needs a running Grafana to initialise its services.
import { DataSourceApi } from '@grafana/data';

export const config = { appSubUrl: '', bootData: { user: { orgId: 1 } } };

/** backendSrv rejects with { status, data, ... }; api.ts tells such errors apart with this. */
export function isFetchError(e) {
  return typeof e === 'object' && e !== null && 'status' in e && 'data' in e;
}

async function request(method, url, { params, data } = {}) {
  const query = params && Object.keys(params).length > 0 ? `?${new URLSearchParams(params)}` : '';
  const response = await fetch(url + query, {
    method,
    headers: data === undefined ? {} : { 'Content-Type': 'application/json' },
    body: data === undefined ? undefined : JSON.stringify(data),
  });
  const text = await response.text();
  let body = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text, as backendSrv does.
  }
  if (!response.ok) {
    throw { status: response.status, statusText: response.statusText, data: body, config: { method, url } };
  }
  return body;
}

// Same signatures as BackendSrv: get(url, params, requestId, options),
// post/patch(url, data, options), delete(url, data, options).
const backendSrv = {
  get: (url, params) => request('GET', url, { params }),
  post: (url, data) => request('POST', url, { data }),
  patch: (url, data) => request('PATCH', url, { data }),
  delete: (url, data) => request('DELETE', url, { data }),
};

export function getBackendSrv() {
  return backendSrv;
}

const templateSrv = {
  getVariables: () => [],
  replace: (target) => target ?? '',
  containsTemplate: () => false,
  updateTimeRange: () => undefined,
};

export function getTemplateSrv() {
  return templateSrv;
}

export class DataSourceWithBackend extends DataSourceApi {
  /** Grafana's path for a data source's backend resources (without the apiserver redirect). */
  buildResourcesDatasourceUrl(path) {
    return `/api/datasources/uid/${this.uid}/resources/${path}`;
  }
}
