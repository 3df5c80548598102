import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryCheatSheet } from './components/QueryCheatSheet';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { PprofOptions, PprofQuery, PprofSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, PprofQuery, PprofOptions, PprofSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor)
  .setQueryEditorHelp(QueryCheatSheet);
