import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Stack, Text } from '@grafana/ui';

import { DataSource } from '../datasource';
import { PprofOptions, PprofQuery } from '../types';
import { DumpSourceField } from './query/DumpSourceField';
import { useDumpSources } from './query/useResources';

type Props = QueryEditorProps<DataSource, PprofQuery, PprofOptions>;

/** Annotations mark when dumps were captured; the only choice is which source's dumps. */
export function AnnotationQueryEditor({ query, onChange, datasource }: Props) {
  const sources = useDumpSources(datasource.api);
  return (
    <Stack direction="column" gap={1}>
      <Text color="secondary" element="p">
        One event per stored dump in the time range, at its capture time.
      </Text>
      <DumpSourceField
        id="annotation-dump-source"
        value={query.dumpSource}
        sources={sources}
        onChange={(dumpSource) =>
          onChange({ ...query, queryType: 'dumps', view: 'annotations', dumpSource: dumpSource || undefined })
        }
      />
    </Stack>
  );
}
