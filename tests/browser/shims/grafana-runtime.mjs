// What the plugin's frontend takes from @grafana/runtime, for a page outside
// Grafana: backendSrv's JSON calls over fetch (rejecting with backendSrv's
// error shape), a template service without dashboard variables, the boot
// config api.ts reads, and DataSourceWithBackend's resource URLs. The real
// package needs a running Grafana to initialise its services.
import { DataSourceApi } from '@grafana/data';

import { backendSrv, templateSrv } from './backend-srv.mjs';

export const config = { appSubUrl: '', bootData: { user: { orgId: 1 } } };

/** backendSrv rejects with { status, data, ... }; api.ts tells such errors apart with this. */
export function isFetchError(e) {
  return typeof e === 'object' && e !== null && 'status' in e && 'data' in e;
}

export function getBackendSrv() {
  return backendSrv;
}

export function getTemplateSrv() {
  return templateSrv;
}

export class DataSourceWithBackend extends DataSourceApi {
  /** Grafana's path for a data source's backend resources (without the apiserver redirect). */
  buildResourcesDatasourceUrl(path) {
    return `/api/datasources/uid/${this.uid}/resources/${path}`;
  }
}
