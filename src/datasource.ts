import {
  CoreApp,
  CustomVariableSupport,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceInstanceSettings,
  LegacyMetricFindQueryOptions,
  MetricFindValue,
  ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { from, Observable } from 'rxjs';
import { map } from 'rxjs/operators';

import { PprofApi } from './api';
import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { describeQuery, isRunnable } from './queries';
import { interpolateQuery } from './templating';
import { DEFAULT_QUERY, PprofOptions, PprofQuery, PprofVariableQuery } from './types';
import { findVariableValues, toVariableQuery } from './variables';

export class DataSource extends DataSourceWithBackend<PprofQuery, PprofOptions> {
  readonly api: PprofApi;
  /** The non-secret settings, for limits the editors check against. */
  readonly settings: PprofOptions;

  constructor(instanceSettings: DataSourceInstanceSettings<PprofOptions>) {
    super(instanceSettings);
    this.api = new PprofApi(this);
    this.settings = instanceSettings.jsonData ?? {};
    this.variables = new PprofVariableSupport(this);
    // Capture times of stored dumps, as events: a dumps query in its
    // annotations view, whose frame Grafana maps to events as usual.
    this.annotations = {
      getDefaultQuery: () => ({ queryType: 'dumps', view: 'annotations' }),
      prepareQuery: (annotation) => ({
        refId: 'Annotations',
        ...annotation.target,
        queryType: 'dumps',
        view: 'annotations',
      }),
      QueryEditor: AnnotationQueryEditor,
    };
  }

  getDefaultQuery(_: CoreApp): Partial<PprofQuery> {
    return DEFAULT_QUERY;
  }

  applyTemplateVariables(query: PprofQuery, scopedVars: ScopedVars): PprofQuery {
    return interpolateQuery(query, scopedVars, getTemplateSrv());
  }

  filterQuery(query: PprofQuery): boolean {
    return isRunnable(query);
  }

  getQueryDisplayText(query: PprofQuery): string {
    return describeQuery(query);
  }

  metricFindQuery(query: unknown, options?: LegacyMetricFindQueryOptions): Promise<MetricFindValue[]> {
    return findVariableValues(this.api, toVariableQuery(query), getTemplateSrv(), options?.scopedVars);
  }
}

/** Dashboard variables with this data source's own query editor. */
class PprofVariableSupport extends CustomVariableSupport<DataSource, PprofVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly ds: DataSource) {
    super();
  }

  query(request: DataQueryRequest<PprofVariableQuery>): Observable<DataQueryResponse> {
    return from(
      this.ds.metricFindQuery(request.targets[0], { scopedVars: request.scopedVars, range: request.range })
    ).pipe(map((values) => ({ data: values })));
  }
}
