// A BackendSrv over window.fetch for pages outside Grafana: the JSON calls
// (get, post, patch, delete) and fetch, which returns an Observable of
// Grafana's FetchResponse as DataSourceWithBackend.query expects. Failures
// reject (or error) with backendSrv's shape, { status, statusText, data }.
import { from } from 'rxjs';

async function send({ url, method = 'GET', params, data, headers = {} }) {
  const query = params && Object.keys(params).length > 0 ? `?${new URLSearchParams(params)}` : '';
  const response = await fetch(url + query, {
    method,
    headers: data === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: data === undefined ? undefined : JSON.stringify(data),
  });
  const text = await response.text();
  let body = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text, as backendSrv does.
  }
  const result = {
    data: body,
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: response.headers,
    url: response.url,
    type: response.type,
    redirected: response.redirected,
    config: { url, method, params, data },
  };
  if (!response.ok) {
    throw result;
  }
  return result;
}

const json = (options) => send(options).then((r) => r.data);

// Same signatures as BackendSrv: get(url, params, requestId, options),
// post/patch(url, data, options), delete(url, data, options), fetch(options).
export const backendSrv = {
  get: (url, params) => json({ url, params }),
  post: (url, data) => json({ url, method: 'POST', data }),
  patch: (url, data) => json({ url, method: 'PATCH', data }),
  put: (url, data) => json({ url, method: 'PUT', data }),
  delete: (url, data) => json({ url, method: 'DELETE', data }),
  request: (options) => json(options),
  datasourceRequest: (options) => send(options),
  fetch: (options) => from(send(options)),
};

/** A template service without dashboard variables. */
export const templateSrv = {
  getVariables: () => [],
  replace: (target) => target ?? '',
  containsTemplate: () => false,
  updateTimeRange: () => undefined,
};
